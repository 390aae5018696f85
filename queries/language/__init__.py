"""The command language: text → words → a Command → a QuerySpec resolved against the catalog."""
