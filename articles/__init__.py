"""Articles: the content model (articles, sections, studies, RDA tables, disclaimers)."""
