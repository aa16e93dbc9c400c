"""The docs site (#17): docs/*.md served as HTML pages, llms.txt, and the API reference joined to them."""
