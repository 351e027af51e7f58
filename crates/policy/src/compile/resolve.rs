//! `resolve:` paths. An argument (or a `data` entry's `current_task`) is a kernel pointer; a
//! dotted member path (`mm.owner.real_parent.comm`, subscripts as `field[2]`) names a value
//! reachable from it. With the kernel's BTF the path becomes a short list of
//! [`ResolveStep`]s — add an offset, then load 0/1/2/4/8 bytes — that the generic BPF programs
//! follow with `bpf_probe_read_kernel`, so no per-policy program is built.
//!
//! The type information comes through [`KernelTypes`] (the agent implements it on the running
//! kernel's `/sys/kernel/btf/vmlinux`), which keeps this module pure and testable with a fake.

use std::fmt::Write as _;

/// A BTF type id.
pub type TypeId = u32;

/// A type with typedefs and qualifiers (`const`, `volatile`, …) skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeShape {
    /// An integer (`bool` and `char` included).
    Int {
        /// C name (`int`, `unsigned int`, `char`, …).
        name: String,
        /// Bytes.
        size: u32,
        /// Signed encoding.
        signed: bool,
    },
    /// An enum.
    Enum {
        /// Bytes.
        size: u32,
    },
    /// A pointer.
    Ptr {
        /// The pointee.
        to: TypeId,
    },
    /// A struct or union.
    Composite {
        /// Tag name (empty for an anonymous one).
        name: String,
        /// `struct` (true) or `union`.
        is_struct: bool,
        /// Members in declaration order.
        members: Vec<Member>,
    },
    /// An array.
    Array {
        /// Element type.
        elem: TypeId,
        /// Number of elements.
        len: u32,
    },
    /// Anything else (void, function, forward declaration, float), by kind name.
    Other(String),
}

/// A member of a struct or union.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Name (empty for an anonymous struct/union member).
    pub name: String,
    /// Offset from the start of the containing type, in bits.
    pub bit_offset: u32,
    /// A bitfield (not addressable).
    pub bitfield: bool,
    /// Type.
    pub ty: TypeId,
}

/// The kernel's types, as much as the compiler needs of them.
pub trait KernelTypes {
    /// Type of parameter `index` (0-based) of kernel function `function`.
    fn function_param(&self, function: &str, index: u32) -> Result<TypeId, String>;
    /// Type of argument `index` (0-based, the `TP_PROTO` arguments) of raw tracepoint `event`.
    fn raw_tracepoint_param(&self, event: &str, index: u32) -> Result<TypeId, String>;
    /// `struct name`.
    fn struct_named(&self, name: &str) -> Option<TypeId>;
    /// The kernel has a function of this name (for `ignore.callNotFound` on kprobes).
    fn has_function(&self, name: &str) -> bool;
    /// The shape of `id`, typedefs and qualifiers skipped.
    fn shape(&self, id: TypeId) -> TypeShape;
    /// Size in bytes of `id` (`None` for void, functions, forward declarations).
    fn size_of(&self, id: TypeId) -> Option<u32>;
}

/// One step of a resolved path: `addr = value + offset; value = load ? *(uN *)addr : addr`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ResolveStep {
    /// Bytes added to the current value.
    pub offset: u32,
    /// Bytes loaded from the address (0: the address itself is the value).
    pub load: u8,
}

/// Where a path ends: the address of the named member (`offset` bytes after the value the
/// `steps` produce) and its type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathEnd {
    /// Pointer loads on the way (each `load` is 8).
    pub steps: Vec<ResolveStep>,
    /// Offset of the last member from the last loaded pointer.
    pub offset: u32,
    /// Type of the last member.
    pub ty: TypeId,
}

/// Most steps a path may take (Tetragon follows at most 10 levels).
pub const MAX_RESOLVE_STEPS: usize = 10;

/// A readable name for `id` (`struct task_struct *`, `char[16]`).
pub fn type_name(types: &dyn KernelTypes, id: TypeId) -> String {
    let mut out = String::new();
    let mut id = id;
    let mut suffix = String::new();
    // Bounded: BTF chains are short, and a malformed one must not loop forever.
    for _ in 0..16 {
        match types.shape(id) {
            TypeShape::Int { name, .. } => {
                out.push_str(&name);
                break;
            }
            TypeShape::Enum { size } => {
                let _ = write!(out, "enum ({size} bytes)");
                break;
            }
            TypeShape::Ptr { to } => {
                suffix.insert_str(0, " *");
                id = to;
            }
            TypeShape::Composite {
                name, is_struct, ..
            } => {
                out.push_str(if is_struct { "struct " } else { "union " });
                out.push_str(if name.is_empty() {
                    "(anonymous)"
                } else {
                    &name
                });
                break;
            }
            TypeShape::Array { elem, len } => {
                let _ = write!(suffix, "[{len}]");
                id = elem;
            }
            TypeShape::Other(kind) => {
                out.push_str(&kind);
                break;
            }
        }
    }
    out + &suffix
}

/// One path segment: a member name and its subscripts.
fn segments(path: &str) -> Result<Vec<(&str, Vec<u32>)>, String> {
    path.split('.')
        .map(|seg| {
            let (name, mut rest) = match seg.find('[') {
                Some(i) => (&seg[..i], &seg[i..]),
                None => (seg, ""),
            };
            let mut subs = Vec::new();
            while let Some(r) = rest.strip_prefix('[') {
                let close = r
                    .find(']')
                    .ok_or_else(|| format!("unclosed subscript in {seg:?}"))?;
                let n = r[..close].parse::<u32>().map_err(|_| {
                    format!("subscript {:?} in {seg:?} is not a number", &r[..close])
                })?;
                subs.push(n);
                rest = &r[close + 1..];
            }
            if name.is_empty() || !rest.is_empty() {
                return Err(format!("{seg:?} is not a member name"));
            }
            Ok((name, subs))
        })
        .collect()
}

/// Finds member `name` in composite `id`, looking into anonymous struct/union members; returns
/// its byte offset and type.
fn find_member(
    types: &dyn KernelTypes,
    id: TypeId,
    name: &str,
    depth: u32,
) -> Result<Option<(u32, TypeId)>, String> {
    let TypeShape::Composite { members, .. } = types.shape(id) else {
        return Ok(None);
    };
    for m in &members {
        if m.name == name {
            if m.bitfield {
                return Err(format!(
                    "member {name} of {} is a bitfield, which cannot be read by address",
                    type_name(types, id)
                ));
            }
            return Ok(Some((m.bit_offset / 8, m.ty)));
        }
    }
    if depth < 8 {
        for m in members.iter().filter(|m| m.name.is_empty()) {
            if let Some((off, ty)) = find_member(types, m.ty, name, depth + 1)? {
                return Ok(Some((m.bit_offset / 8 + off, ty)));
            }
        }
    }
    Ok(None)
}

/// Follows `path` from a pointer to `start` (a struct or union type). Intermediate members must
/// be structs/unions (embedded: their offset adds up) or pointers to them (one load each).
pub fn walk(types: &dyn KernelTypes, start: TypeId, path: &str) -> Result<PathEnd, String> {
    let segs = segments(path)?;
    let mut cur = start;
    let mut offset = 0u32;
    let mut steps = Vec::new();
    for (i, (name, subs)) in segs.iter().enumerate() {
        let Some((off, mut ty)) = find_member(types, cur, name, 0)? else {
            return Err(match types.shape(cur) {
                TypeShape::Composite { .. } => {
                    format!("{} has no member {name}", type_name(types, cur))
                }
                _ => format!(
                    "cannot look up member {name} in {}, which is not a struct or union",
                    type_name(types, cur)
                ),
            });
        };
        offset = offset.saturating_add(off);
        for &k in subs {
            let TypeShape::Array { elem, len } = types.shape(ty) else {
                return Err(format!(
                    "{name}[{k}]: member {name} is {}, not an array",
                    type_name(types, ty)
                ));
            };
            if k >= len {
                return Err(format!(
                    "{name}[{k}]: subscript out of range (the array has {len} elements)"
                ));
            }
            let size = types.size_of(elem).unwrap_or(0);
            offset = offset.saturating_add(k.saturating_mul(size));
            ty = elem;
        }
        if i + 1 == segs.len() {
            return Ok(PathEnd { steps, offset, ty });
        }
        match types.shape(ty) {
            TypeShape::Composite { .. } => cur = ty,
            TypeShape::Ptr { to } if matches!(types.shape(to), TypeShape::Composite { .. }) => {
                steps.push(ResolveStep { offset, load: 8 });
                offset = 0;
                cur = to;
            }
            _ => {
                return Err(format!(
                    "member {name} is {}; only a struct, a union or a pointer to one can be followed by .{}",
                    type_name(types, ty),
                    segs[i + 1].0
                ));
            }
        }
    }
    // `segments` never returns an empty list (split yields at least one piece).
    Err(format!("empty resolve path {path:?}"))
}

/// Where an argument pointer's type comes from when it starts a resolve path: the pointee must be
/// a struct or union.
pub fn pointee_composite(types: &dyn KernelTypes, ty: TypeId) -> Result<TypeId, String> {
    match types.shape(ty) {
        TypeShape::Ptr { to } if matches!(types.shape(to), TypeShape::Composite { .. }) => Ok(to),
        _ => Err(format!(
            "the argument is {}; resolve starts from a pointer to a struct or union",
            type_name(types, ty)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// task_struct { int pid; struct mm_struct *mm; char comm[16]; struct { kuid_t loginuid; }; }
    /// kuid_t { unsigned int val; }; mm_struct { u64 x; struct task_struct *owner; }
    struct Fake;
    const INT: TypeId = 1;
    const UINT: TypeId = 2;
    const CHAR: TypeId = 3;
    const TASK: TypeId = 10;
    const TASK_PTR: TypeId = 11;
    const MM: TypeId = 12;
    const MM_PTR: TypeId = 13;
    const COMM: TypeId = 14;
    const KUID: TypeId = 15;
    const ANON: TypeId = 16;
    const U64: TypeId = 17;

    fn m(name: &str, byte: u32, ty: TypeId) -> Member {
        Member {
            name: name.into(),
            bit_offset: byte * 8,
            bitfield: false,
            ty,
        }
    }

    impl KernelTypes for Fake {
        fn function_param(&self, function: &str, index: u32) -> Result<TypeId, String> {
            match (function, index) {
                ("wake_up_new_task", 0) => Ok(TASK_PTR),
                _ => Err("no such function".into()),
            }
        }
        fn raw_tracepoint_param(&self, _: &str, _: u32) -> Result<TypeId, String> {
            Err("none".into())
        }
        fn struct_named(&self, name: &str) -> Option<TypeId> {
            (name == "task_struct").then_some(TASK)
        }
        fn has_function(&self, name: &str) -> bool {
            name == "wake_up_new_task"
        }
        fn shape(&self, id: TypeId) -> TypeShape {
            let int = |name: &str, size, signed| TypeShape::Int {
                name: name.into(),
                size,
                signed,
            };
            let comp = |name: &str, members| TypeShape::Composite {
                name: name.into(),
                is_struct: true,
                members,
            };
            match id {
                INT => int("int", 4, true),
                UINT => int("unsigned int", 4, false),
                CHAR => int("char", 1, true),
                U64 => int("u64", 8, false),
                TASK => comp(
                    "task_struct",
                    vec![
                        m("pid", 100, INT),
                        m("mm", 200, MM_PTR),
                        m("comm", 300, COMM),
                        m("", 400, ANON),
                        Member {
                            name: "flags".into(),
                            bit_offset: 500 * 8 + 3,
                            bitfield: true,
                            ty: UINT,
                        },
                    ],
                ),
                ANON => comp("", vec![m("loginuid", 4, KUID)]),
                KUID => comp("kuid_t", vec![m("val", 0, UINT)]),
                MM => comp("mm_struct", vec![m("x", 0, U64), m("owner", 64, TASK_PTR)]),
                TASK_PTR => TypeShape::Ptr { to: TASK },
                MM_PTR => TypeShape::Ptr { to: MM },
                COMM => TypeShape::Array {
                    elem: CHAR,
                    len: 16,
                },
                _ => TypeShape::Other("void".into()),
            }
        }
        fn size_of(&self, id: TypeId) -> Option<u32> {
            match id {
                CHAR => Some(1),
                INT | UINT => Some(4),
                _ => Some(8),
            }
        }
    }

    #[test]
    fn walks_pointers_embedded_and_anonymous_members() {
        let end = walk(&Fake, TASK, "mm.owner.comm").unwrap();
        assert_eq!(
            end.steps,
            vec![
                ResolveStep {
                    offset: 200,
                    load: 8
                },
                ResolveStep {
                    offset: 64,
                    load: 8
                }
            ]
        );
        assert_eq!((end.offset, end.ty), (300, COMM));
        // loginuid sits in an anonymous struct at 400, val at 0 inside kuid_t at 4.
        let end = walk(&Fake, TASK, "loginuid.val").unwrap();
        assert_eq!((end.steps.len(), end.offset, end.ty), (0, 404, UINT));
        let end = walk(&Fake, TASK, "comm[3]").unwrap();
        assert_eq!((end.offset, end.ty), (303, CHAR));
    }

    #[test]
    fn refuses_bad_paths_with_the_reason() {
        let e = walk(&Fake, TASK, "nope").unwrap_err();
        assert_eq!(e, "struct task_struct has no member nope");
        let e = walk(&Fake, TASK, "pid.x").unwrap_err();
        assert!(e.contains("member pid is int"), "{e}");
        let e = walk(&Fake, TASK, "flags").unwrap_err();
        assert!(e.contains("bitfield"), "{e}");
        let e = walk(&Fake, TASK, "comm[16]").unwrap_err();
        assert!(e.contains("out of range"), "{e}");
        let e = walk(&Fake, TASK, "pid[1]").unwrap_err();
        assert!(e.contains("not an array"), "{e}");
        assert_eq!(type_name(&Fake, COMM), "char[16]");
        assert_eq!(type_name(&Fake, TASK_PTR), "struct task_struct *");
        assert!(pointee_composite(&Fake, INT).is_err());
        assert_eq!(pointee_composite(&Fake, TASK_PTR), Ok(TASK));
    }
}
