"""The reader site: pages, search, feeds, sitemaps, the page layout of an article and the
anonymous readers' page cache."""
