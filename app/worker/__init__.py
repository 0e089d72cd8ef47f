"""Worker processes that train runs, and the pool the web process drives them through."""
