//! Tetragon's `Process.arguments` string.
//!
//! The caller passes argv without argv\[0\]. The rule (Tetragon's
//! `ArgsDecoder`, reproduced quirks included):
//!
//! * an argument containing a space (0x20) is wrapped in double quotes. Unlike
//!   Tetragon, a quoted *first* argument gets no leading space: Tetragon prints
//!   ` "a b" c`, an artefact nobody filters on; Auspex's issue #2 specifies
//!   `"a b" c` (the one deliberate difference from Tetragon's formatter);
//! * any other argument is appended as ` <arg>`, or as `<arg>` while the
//!   string is still empty (so empty arguments at the start vanish, and an
//!   empty argument later leaves a double space);
//! * invalid UTF-8 is replaced like Go's `strings.ToValidUTF8(s, "\u{FFFD}")`:
//!   each run of invalid bytes becomes one U+FFFD.

/// Builds the `arguments` string from argv\[1..\].
pub fn format_arguments(argv: &[&[u8]]) -> String {
    let capacity = argv.iter().map(|a| a.len() + 3).sum();
    let mut out = String::with_capacity(capacity);
    for arg in argv {
        if arg.contains(&b' ') {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push('"');
            push_valid_utf8(&mut out, arg);
            out.push('"');
        } else {
            if !out.is_empty() {
                out.push(' ');
            }
            push_valid_utf8(&mut out, arg);
        }
    }
    out
}

/// Converts bytes to a string, replacing each run of invalid UTF-8 with one U+FFFD.
pub fn to_valid_utf8(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    push_valid_utf8(&mut out, bytes);
    out
}

/// Appends bytes to `out`, replacing each run of invalid UTF-8 with one U+FFFD.
pub fn push_valid_utf8(out: &mut String, bytes: &[u8]) {
    let mut in_invalid_run = false;
    for chunk in bytes.utf8_chunks() {
        if !chunk.valid().is_empty() {
            out.push_str(chunk.valid());
            in_invalid_run = false;
        }
        if !chunk.invalid().is_empty() {
            if !in_invalid_run {
                out.push(char::REPLACEMENT_CHARACTER);
            }
            in_invalid_run = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(args: &[&str]) -> String {
        let v: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        format_arguments(&v)
    }

    #[test]
    fn plain_and_quoted() {
        assert_eq!(fmt(&[]), "");
        assert_eq!(
            fmt(&["/tmp/network-monitoring.yaml"]),
            "/tmp/network-monitoring.yaml"
        );
        assert_eq!(
            fmt(&["--switched-root", "--system", "--deserialize=47"]),
            "--switched-root --system --deserialize=47"
        );
        assert_eq!(
            fmt(&["-c", "curl https://ebpf.io/applications/#..."]),
            "-c \"curl https://ebpf.io/applications/#...\""
        );
        assert_eq!(fmt(&["-c", "echo a b"]), r#"-c "echo a b""#);
    }

    #[test]
    fn tetragon_quirks() {
        // A quoted first argument has no leading space (Tetragon prints
        // ` "a b" c`; see the module doc for why Auspex differs).
        assert_eq!(fmt(&["a b", "c"]), r#""a b" c"#);
        // Empty leading arguments vanish; later ones leave a double space.
        assert_eq!(fmt(&["", "b"]), "b");
        assert_eq!(fmt(&["a", "", "b"]), "a  b");
        assert_eq!(fmt(&["a", ""]), "a ");
        // Only 0x20 triggers quoting; quotes inside are not escaped.
        assert_eq!(fmt(&["a\tb", "say \"hi\""]), "a\tb \"say \"hi\"\"");
    }

    #[test]
    fn invalid_utf8_runs_become_one_replacement() {
        let args: [&[u8]; 2] = [b"ok\xff\xfe\xfdend", b"\xe2\x82"];
        assert_eq!(format_arguments(&args), "ok\u{FFFD}end \u{FFFD}");
        assert_eq!(to_valid_utf8(b"a\xc3\x28b"), "a\u{FFFD}(b");
        assert_eq!(to_valid_utf8("h\u{e9}llo".as_bytes()), "h\u{e9}llo");
        assert_eq!(to_valid_utf8(b"\xff"), "\u{FFFD}");
        assert_eq!(to_valid_utf8(b"\xffa\xff"), "\u{FFFD}a\u{FFFD}");
    }
}
