"""Reading untrusted input safely: bounded YAML/JSON loaders, confined repository access, Markdown structure
as a CommonMark renderer sees it, and JSON Schema validation. Depends only on core."""
