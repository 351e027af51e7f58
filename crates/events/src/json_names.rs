//! Field-name spellings of protojson: proto's snake_case and JSON's lowerCamelCase.
//!
//! One definition serves the crate (filters, field masks in the generated
//! protojson code) and `build.rs`, which includes this file with `#[path]`.

/// protoc's default JSON name: drop underscores, upper-case the next letter.
pub fn lower_camel(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// lowerCamelCase → snake_case: each ASCII upper-case letter becomes `_` and its lower case.
pub fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}
