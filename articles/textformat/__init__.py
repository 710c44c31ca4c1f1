"""Articles as text: reading an article from plain text or Markdown (the import) and writing
one back as Markdown (the export)."""
