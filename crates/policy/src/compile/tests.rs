//! Unit tests of the compiler internals: format parsing, field shapes, argument layouts, syscall
//! names. Whole-policy tests are in `tests/compile.rs`.

use super::*;

const OPENAT_FORMAT: &str = "name: sys_enter_openat
ID: 633
format:
\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;
\tfield:int dfd;\toffset:16;\tsize:8;\tsigned:0;
\tfield:const char * filename;\toffset:24;\tsize:8;\tsigned:0;
\tfield:int flags;\toffset:32;\tsize:8;\tsigned:0;
\tfield:umode_t mode;\toffset:40;\tsize:8;\tsigned:0;

print fmt: \"dfd: 0x%08lx, filename: 0x%08lx, flags: 0x%08lx, mode: 0x%08lx\", ((unsigned long)(REC->dfd)), ((unsigned long)(REC->filename)), ((unsigned long)(REC->flags)), ((unsigned long)(REC->mode))
";

fn field(ctype: &str, name: &str, offset: u16, size: u16, signed: bool) -> TracepointField {
    TracepointField {
        ctype: ctype.into(),
        name: name.into(),
        offset,
        size,
        signed,
    }
}

#[test]
fn parses_tracefs_format() {
    let fields = parse_tracepoint_format(OPENAT_FORMAT).unwrap();
    assert_eq!(
        fields,
        vec![
            field("unsigned short", "common_type", 0, 2, false),
            field("unsigned char", "common_flags", 2, 1, false),
            field("unsigned char", "common_preempt_count", 3, 1, false),
            field("int", "common_pid", 4, 4, true),
            field("int", "__syscall_nr", 8, 4, true),
            field("int", "dfd", 16, 8, false),
            field("const char *", "filename", 24, 8, false),
            field("int", "flags", 32, 8, false),
            field("umode_t", "mode", 40, 8, false),
        ]
    );
    assert_eq!(parse_tracepoint_format("name: x\nformat:\n"), None);
}

#[test]
fn splits_declarations() {
    let cases = [
        ("const char * filename", ("const char *", "filename")),
        (
            "__data_loc char[] filename",
            ("__data_loc char[]", "filename"),
        ),
        ("unsigned long args[6]", ("unsigned long[6]", "args")),
        ("char comm[16]", ("char[16]", "comm")),
        ("const char *const * argv", ("const char *const *", "argv")),
        ("pid_t pid", ("pid_t", "pid")),
        ("int x[2][3]", ("int[2][3]", "x")),
    ];
    for (decl, (ctype, name)) in cases {
        assert_eq!(
            split_declaration(decl),
            (ctype.to_owned(), name.to_owned()),
            "{decl}"
        );
    }
}

#[test]
fn field_shapes() {
    let cases = [
        (field("const char *", "f", 0, 8, false), FieldShape::CharPtr),
        (field("char *", "f", 0, 8, false), FieldShape::CharPtr),
        (
            field("const char *const *", "argv", 0, 8, false),
            FieldShape::Ptr,
        ),
        (field("struct stat *", "s", 0, 8, false), FieldShape::Ptr),
        (
            field("__data_loc char[]", "f", 0, 4, false),
            FieldShape::DataLocChar,
        ),
        (
            field("__data_loc u8[]", "f", 0, 4, false),
            FieldShape::DataLocOther,
        ),
        (
            field("char[16]", "comm", 0, 16, true),
            FieldShape::CharArray,
        ),
        (
            field("unsigned long[6]", "args", 0, 48, false),
            FieldShape::Array,
        ),
        // Syscall records: 8-byte slots, `signed:0` whatever the C type.
        (
            field("int", "dfd", 16, 8, false),
            FieldShape::Scalar(4, true),
        ),
        (
            field("umode_t", "mode", 40, 8, false),
            FieldShape::Scalar(2, false),
        ),
        (
            field("size_t", "count", 32, 8, false),
            FieldShape::Scalar(8, false),
        ),
        (field("long", "id", 8, 8, true), FieldShape::Scalar(8, true)),
        (
            field("pid_t", "pid", 12, 4, true),
            FieldShape::Scalar(4, true),
        ),
        (
            field("unsigned int", "x", 0, 4, false),
            FieldShape::Scalar(4, false),
        ),
        (
            field("unsigned weird_t", "x", 0, 2, true),
            FieldShape::Scalar(2, false),
        ),
        (
            field("weird_t", "x", 0, 2, true),
            FieldShape::Scalar(2, true),
        ),
    ];
    for (f, shape) in cases {
        assert_eq!(field_shape(&f), shape, "{} {}", f.ctype, f.name);
    }
}

#[test]
fn syscall_names() {
    assert_eq!(syscall_name("sys_openat"), Ok("openat"));
    assert_eq!(syscall_name("__x64_sys_openat"), Ok("openat"));
    assert_eq!(syscall_name("__arm64_sys_openat"), Ok("openat"));
    assert_eq!(syscall_name("__se_sys_openat"), Ok("openat"));
    assert_eq!(syscall_name("openat"), Ok("openat"));
    assert_eq!(syscall_name("sysinfo"), Ok("sysinfo"));
    assert_eq!(syscall_name("__sys_setuid"), Ok("__sys_setuid"));
    assert!(
        syscall_name("__ia32_sys_dup")
            .unwrap_err()
            .contains("32-bit")
    );
}

struct OneTracepoint(Vec<TracepointField>);

impl KernelView for OneTracepoint {
    fn tracepoint_fields(&self, _: &str, _: &str) -> Option<Vec<TracepointField>> {
        Some(self.0.clone())
    }
    fn kprobes_attach(&self) -> bool {
        false
    }
}

/// Compiles `type` on field `index` of sys_enter_openat (or of `other` when given).
fn layout(
    subsystem: &str,
    index: u32,
    type_: &str,
    fields: Vec<TracepointField>,
) -> Result<CompiledArg, Vec<CompileError>> {
    let yaml = format!(
        "apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata:\n  name: t\nspec:\n  tracepoints:\n  - subsystem: {subsystem}\n    event: ev\n    args:\n    - index: {index}\n      type: {type_}\n"
    );
    let policy = crate::parse_str(&yaml, "t.yaml").unwrap().remove(0);
    compile(&policy, &OneTracepoint(fields)).map(|mut p| p.hooks[0].args.remove(0))
}

fn arg(offset: u16, size: u16, read: ArgRead, render: ArgRender) -> CompiledArg {
    CompiledArg {
        offset,
        size,
        read,
        render,
        label: None,
    }
}

#[test]
fn argument_layouts() {
    use ArgRead as R;
    use ArgRender as D;
    let openat = parse_tracepoint_format(OPENAT_FORMAT).unwrap();
    let mut extra = openat.clone();
    extra.push(field("__data_loc char[]", "name", 48, 4, false));
    extra.push(field("char[16]", "comm", 52, 16, true));
    extra.push(field("char[300]", "big", 68, 300, true));
    extra.push(field("struct stat *", "st", 368, 8, false));
    let cases: &[(&str, u32, &str, CompiledArg)] = &[
        (
            "syscalls",
            6,
            "string",
            arg(24, 8, R::UserString, D::String),
        ),
        (
            "syscalls",
            6,
            "filename",
            arg(24, 8, R::UserString, D::String),
        ),
        ("syscalls", 6, "auto", arg(24, 8, R::UserString, D::String)),
        ("sched", 6, "string", arg(24, 8, R::KernelString, D::String)),
        ("syscalls", 5, "int", arg(16, 4, R::Int, D::Int)),
        ("syscalls", 5, "int32", arg(16, 4, R::Int, D::Int)),
        ("syscalls", 5, "sint32", arg(16, 4, R::Int, D::Int)),
        ("syscalls", 5, "int16", arg(16, 2, R::Int, D::Int)),
        ("syscalls", 5, "int8", arg(16, 1, R::Int, D::Int)),
        ("syscalls", 5, "uint32", arg(16, 4, R::Uint, D::Uint)),
        ("syscalls", 5, "uint16", arg(16, 2, R::Uint, D::Uint)),
        ("syscalls", 5, "uint8", arg(16, 1, R::Uint, D::Uint)),
        ("syscalls", 5, "size_t", arg(16, 8, R::Uint, D::Size)),
        ("syscalls", 5, "uint64", arg(16, 8, R::Uint, D::Size)),
        ("syscalls", 5, "ulong", arg(16, 8, R::Uint, D::Size)),
        ("syscalls", 5, "int64", arg(16, 8, R::Int, D::Long)),
        ("syscalls", 5, "long", arg(16, 8, R::Int, D::Long)),
        ("syscalls", 5, "sint64", arg(16, 8, R::Int, D::Long)),
        ("syscalls", 5, "syscall64", arg(16, 8, R::Uint, D::Size)),
        ("syscalls", 5, "auto", arg(16, 4, R::Int, D::Int)),
        ("syscalls", 8, "auto", arg(40, 2, R::Uint, D::Uint)),
        ("syscalls", 4, "auto", arg(8, 4, R::Int, D::Int)),
        ("syscalls", 0, "auto", arg(0, 2, R::Uint, D::Uint)),
        ("syscalls", 4, "int64", arg(8, 4, R::Int, D::Long)),
        (
            "sched",
            9,
            "string",
            arg(48, 4, R::DataLocString, D::String),
        ),
        (
            "sched",
            9,
            "data_loc",
            arg(48, 4, R::DataLocString, D::String),
        ),
        ("sched", 9, "auto", arg(48, 4, R::DataLocString, D::String)),
        ("sched", 10, "string", arg(52, 16, R::CharArray, D::String)),
        ("sched", 10, "auto", arg(52, 16, R::CharArray, D::String)),
        ("sched", 11, "string", arg(68, 256, R::CharArray, D::String)),
        ("sched", 12, "auto", arg(368, 8, R::Uint, D::Size)),
    ];
    for (sub, index, ty, want) in cases {
        let got = layout(sub, *index, ty, extra.clone());
        assert_eq!(got.as_ref(), Ok(want), "{sub} index {index} type {ty}");
    }
    let errors: &[(u32, &str, &str, &str)] = &[
        (
            5,
            "string",
            "spec.tracepoints[0].args[0].type",
            "needs a char pointer",
        ),
        (
            9,
            "int",
            "spec.tracepoints[0].args[0].type",
            "needs an integer",
        ),
        (
            9,
            "file",
            "spec.tracepoints[0].args[0].type",
            "argument type file is not supported",
        ),
        (
            5,
            "char_buf",
            "spec.tracepoints[0].args[0].type",
            "not supported",
        ),
        (5, "fd", "spec.tracepoints[0].args[0].type", "not supported"),
        (
            6,
            "data_loc",
            "spec.tracepoints[0].args[0].type",
            "needs a __data_loc",
        ),
        (
            13,
            "int",
            "spec.tracepoints[0].args[0].index",
            "has 13 fields",
        ),
    ];
    for (index, ty, path, reason) in errors {
        let got = layout("sched", *index, ty, extra.clone()).unwrap_err();
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].path, *path, "{index} {ty}: {got:?}");
        assert!(got[0].reason.contains(reason), "{index} {ty}: {got:?}");
    }
}

#[test]
fn record_size_limit() {
    let mut fields = parse_tracepoint_format(OPENAT_FORMAT).unwrap();
    fields.push(field("int", "far", 600, 4, true));
    let got = layout("sched", 9, "int", fields).unwrap_err();
    assert_eq!(got[0].path, "spec.tracepoints[0].args");
    assert!(got[0].reason.contains("604"), "{got:?}");
}
