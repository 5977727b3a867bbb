//! Address tokens and service tags: containment, regional tags, `Internet` ⊇ public Azure tags.
