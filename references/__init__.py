"""References: the sources an article cites, and the citations that number them."""
