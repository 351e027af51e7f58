//! BTF seen as the selector compiler's [`KernelTypes`]: the running kernel's
//! (`/sys/kernel/btf/vmlinux`: argument types of kernel functions, LSM hooks and raw tracepoints,
//! struct layouts), which `resolve:` paths and `data` entries are compiled against; a kernel
//! module's (`btfTypeModule`: its split BTF on top of the kernel's); or a user binary's (a
//! uprobe's `btfPath`).
use std::ffi::OsStr;

use auspex_policy::compile::resolve::{KernelTypes, Member, TypeId, TypeShape};
use libbpf_rs::btf::types::{self, MemberAttr};
use libbpf_rs::btf::{Btf, BtfKind, BtfType, HasSize};

/// Parsed BTF: vmlinux (a few MB; parsed per policy compilation that needs it) or a file.
pub struct BtfTypes {
    btf: Btf<'static>,
}

impl BtfTypes {
    /// Parses the running kernel's BTF; `None` without CONFIG_DEBUG_INFO_BTF.
    pub fn load() -> Option<Self> {
        Btf::from_vmlinux().ok().map(|btf| Self { btf })
    }

    /// Parses a BTF file: raw BTF (`pahole --btf_encode_detached`) or an ELF file with a `.BTF`
    /// section.
    pub fn from_file(path: &str) -> Result<Self, String> {
        match std::fs::metadata(path) {
            Err(e) => return Err(format!("cannot read it: {e}")),
            Ok(m) if !m.is_file() => return Err("is not a file".into()),
            Ok(_) => {}
        }
        Btf::from_path(path)
            .map(|btf| Self { btf })
            .map_err(|e| format!("is not a BTF file (raw BTF or an ELF file with .BTF): {e}"))
    }

    /// A loaded kernel module's types (`/sys/kernel/btf/<module>`, split BTF whose type ids and
    /// string offsets continue the kernel's), joined with the kernel's into one standalone BTF:
    /// libbpf-rs parses no split BTF.
    pub fn for_module(module: &str) -> Result<Self, String> {
        if module.is_empty() || module.contains(['/', '\0']) || module.starts_with('.') {
            return Err(format!("{module:?} is not a module name"));
        }
        let base = std::fs::read("/sys/kernel/btf/vmlinux")
            .map_err(|e| format!("cannot read the kernel's BTF (/sys/kernel/btf/vmlinux): {e}"))?;
        let split = std::fs::read(format!("/sys/kernel/btf/{module}")).map_err(|e| {
            format!("no BTF for module {module} (/sys/kernel/btf/{module}: {e}); is it loaded?")
        })?;
        Self::from_raw_btf(&join_split_btf(&base, &split)?)
    }

    /// Parses raw BTF bytes (through a memfd: libbpf-rs parses files).
    fn from_raw_btf(raw: &[u8]) -> Result<Self, String> {
        use nix::sys::memfd::{MFdFlags, memfd_create};
        use std::io::Write;
        use std::os::fd::AsRawFd;
        let fd = memfd_create("auspex-btf", MFdFlags::MFD_CLOEXEC)
            .map_err(|e| format!("memfd_create: {e}"))?;
        let mut file = std::fs::File::from(fd);
        file.write_all(raw)
            .map_err(|e| format!("memfd write: {e}"))?;
        Btf::from_path(format!("/proc/self/fd/{}", file.as_raw_fd()))
            .map(|btf| Self { btf })
            .map_err(|e| format!("the joined BTF does not parse: {e}"))
    }

    /// Names of the kernel functions starting with `prefix`, with the prefix removed, sorted.
    pub fn functions_with_prefix(&self, prefix: &str) -> Vec<String> {
        let mut names: Vec<String> = self
            .btf
            .type_by_kind::<types::Func<'_>>()
            .filter_map(|f| {
                let n = f.name()?.to_str()?;
                n.strip_prefix(prefix).map(str::to_owned)
            })
            .collect();
        names.sort();
        names.dedup();
        names
    }

    fn ty(&self, id: TypeId) -> Option<BtfType<'_>> {
        self.btf
            .type_by_id::<BtfType<'_>>(id.into())
            .map(|t| t.skip_mods_and_typedefs())
    }

    /// Parameter `index` of a function prototype, as a type id.
    fn param(proto: &types::FuncProto<'_>, index: usize, what: &str) -> Result<TypeId, String> {
        proto
            .get(index)
            .map(|p| u32::from(p.ty))
            .ok_or_else(|| format!("{what} has {} arguments", proto.len()))
    }
}

/// The sections of a raw BTF blob: (types, strings).
fn btf_sections<'b>(b: &'b [u8], what: &str) -> Result<(&'b [u8], &'b [u8]), String> {
    let u32_at = |at: usize| -> Option<u32> {
        Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
    };
    if b.get(..2) != Some(&0xeb9f_u16.to_le_bytes()[..]) {
        return Err(format!("{what} is not raw BTF (magic)"));
    }
    let field = |at| u32_at(at).map(|v| v as usize);
    let (Some(hdr_len), Some(type_off), Some(type_len), Some(str_off), Some(str_len)) =
        (field(4), field(8), field(12), field(16), field(20))
    else {
        return Err(format!("{what}: BTF header cut short"));
    };
    let section = |off: usize, len: usize| {
        hdr_len
            .checked_add(off)
            .and_then(|start| b.get(start..start.checked_add(len)?))
    };
    match (section(type_off, type_len), section(str_off, str_len)) {
        (Some(t), Some(s)) => Ok((t, s)),
        _ => Err(format!("{what}: BTF sections past its end")),
    }
}

/// One standalone BTF from a base BTF and a split BTF on top of it. Split BTF numbers its types
/// after the base's and offsets its strings after the base's string section, so the two type
/// sections and the two string sections, each concatenated, keep every id and offset.
fn join_split_btf(base: &[u8], split: &[u8]) -> Result<Vec<u8>, String> {
    const HDR_LEN: u32 = 24;
    let (base_types, base_strs) = btf_sections(base, "the kernel's BTF")?;
    let (split_types, split_strs) = btf_sections(split, "the module's BTF")?;
    let len = |a: &[u8], b: &[u8]| {
        u32::try_from(a.len() + b.len()).map_err(|_| "joined BTF too large".to_owned())
    };
    let type_len = len(base_types, split_types)?;
    let str_len = len(base_strs, split_strs)?;
    let mut out = Vec::with_capacity((HDR_LEN + type_len + str_len) as usize);
    out.extend_from_slice(&0xeb9f_u16.to_le_bytes());
    out.extend_from_slice(&[1, 0]); // version, flags
    for v in [HDR_LEN, 0, type_len, type_len, str_len] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    for part in [base_types, split_types, base_strs, split_strs] {
        out.extend_from_slice(part);
    }
    Ok(out)
}

fn name(n: Option<&OsStr>) -> String {
    n.map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

impl KernelTypes for BtfTypes {
    fn function_param(&self, function: &str, index: u32) -> Result<TypeId, String> {
        if function.contains('\0') {
            return Err("invalid function name".into());
        }
        let func = self
            .btf
            .type_by_name::<types::Func<'_>>(function)
            .ok_or_else(|| format!("the kernel's BTF has no function {function}"))?;
        let proto = func
            .next_type()
            .and_then(|t| types::FuncProto::try_from(t).ok())
            .ok_or_else(|| format!("function {function} has no prototype in BTF"))?;
        Self::param(&proto, index as usize, &format!("function {function}"))
    }

    fn raw_tracepoint_param(&self, event: &str, index: u32) -> Result<TypeId, String> {
        if event.contains('\0') {
            return Err("invalid tracepoint name".into());
        }
        // `btf_trace_<event>` is a typedef of a pointer to the probe's prototype, whose first
        // parameter is the probe's private data.
        let proto = self
            .btf
            .type_by_name::<types::Typedef<'_>>(&format!("btf_trace_{event}"))
            .and_then(|t| t.next_type())
            .and_then(|t| t.next_type())
            .and_then(|t| types::FuncProto::try_from(t).ok())
            .ok_or_else(|| format!("the kernel's BTF has no raw tracepoint {event}"))?;
        Self::param(
            &proto,
            index as usize + 1,
            &format!("raw tracepoint {event} (plus its data pointer)"),
        )
    }

    fn struct_named(&self, name: &str) -> Option<TypeId> {
        if name.contains('\0') {
            return None;
        }
        self.btf
            .type_by_name::<types::Struct<'_>>(name)
            .map(|s| u32::from(s.type_id()))
    }

    fn has_function(&self, name: &str) -> bool {
        !name.contains('\0') && self.btf.type_by_name::<types::Func<'_>>(name).is_some()
    }

    fn shape(&self, id: TypeId) -> TypeShape {
        let Some(t) = self.ty(id) else {
            return TypeShape::Other("unknown type".into());
        };
        match t.kind() {
            BtfKind::Int => match types::Int::try_from(t) {
                Ok(i) => TypeShape::Int {
                    name: name(t.name()),
                    size: i.size() as u32,
                    signed: matches!(i.encoding, types::IntEncoding::Signed),
                },
                Err(_) => TypeShape::Other("int".into()),
            },
            BtfKind::Enum | BtfKind::Enum64 => TypeShape::Enum {
                size: self.size_of(id).unwrap_or(4),
            },
            BtfKind::Ptr => match t.next_type() {
                Some(to) => TypeShape::Ptr {
                    to: u32::from(to.type_id()),
                },
                None => TypeShape::Other("pointer".into()),
            },
            BtfKind::Array => match types::Array::try_from(t) {
                Ok(a) => TypeShape::Array {
                    elem: u32::from(a.ty()),
                    len: a.capacity() as u32,
                },
                Err(_) => TypeShape::Other("array".into()),
            },
            BtfKind::Struct | BtfKind::Union => match types::Composite::try_from(t) {
                Ok(c) => TypeShape::Composite {
                    name: name(t.name()),
                    is_struct: c.is_struct,
                    members: c
                        .iter()
                        .map(|m| {
                            let (bit_offset, bitfield) = match m.attr {
                                MemberAttr::Normal { offset } => (offset, false),
                                MemberAttr::BitField { offset, .. } => (offset, true),
                            };
                            Member {
                                name: name(m.name),
                                bit_offset,
                                // A plain member whose offset is not byte-aligned is a bitfield
                                // too (BTF without kind_flag).
                                bitfield: bitfield || bit_offset % 8 != 0,
                                ty: u32::from(m.ty),
                            }
                        })
                        .collect(),
                },
                Err(_) => TypeShape::Other("struct".into()),
            },
            BtfKind::Void => TypeShape::Other("void".into()),
            BtfKind::Fwd => {
                TypeShape::Other(format!("a forward declaration of {}", name(t.name())))
            }
            BtfKind::Func | BtfKind::FuncProto => TypeShape::Other("a function".into()),
            BtfKind::Float => TypeShape::Other("a float".into()),
            _ => TypeShape::Other("an unsupported type".into()),
        }
    }

    fn size_of(&self, id: TypeId) -> Option<u32> {
        let t = self.ty(id)?;
        let size = match t.kind() {
            BtfKind::Int => types::Int::try_from(t).ok()?.size(),
            BtfKind::Enum => types::Enum::try_from(t).ok()?.size(),
            BtfKind::Enum64 => types::Enum64::try_from(t).ok()?.size(),
            BtfKind::Struct | BtfKind::Union => types::Composite::try_from(t).ok()?.size(),
            BtfKind::Ptr => 8,
            BtfKind::Array => {
                let a = types::Array::try_from(t).ok()?;
                let elem = self.size_of(u32::from(a.ty()))? as usize;
                elem.checked_mul(a.capacity())?
            }
            _ => return None,
        };
        u32::try_from(size).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use auspex_policy::compile::resolve::{pointee_composite, type_name, walk};

    /// Raw BTF: header, types (u32 words), strings.
    fn raw_btf(types: &[u32], strs: &[u8]) -> Vec<u8> {
        let type_len = (types.len() * 4) as u32;
        let mut out = vec![0x9f, 0xeb, 1, 0];
        for v in [24, 0, type_len, type_len, strs.len() as u32] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for t in types {
            out.extend_from_slice(&t.to_le_bytes());
        }
        out.extend_from_slice(strs);
        out
    }

    /// A module struct (split BTF) whose members are base types: joined, its path resolves.
    #[test]
    fn split_btf_joined_with_its_base_resolves_module_types() {
        const INT: u32 = 1 << 24;
        const PTR: u32 = 2 << 24;
        const STRUCT: u32 = 4 << 24;
        // Base: [1] int, [2] struct base_s { int x; }.
        let base_strs = b"\0int\0base_s\0x\0";
        let base = raw_btf(
            &[
                1,
                INT,
                4,
                (1 << 24) | 32, // "int": signed, 32 bits
                5,
                STRUCT | 1,
                4,
                12,
                1,
                0, // "base_s" { x: int at bit 0 }
            ],
            base_strs,
        );
        // Split: [3] struct mod_s { int a; struct base_s *b; }, [4] pointer to base_s. String
        // offsets continue the base's (14 bytes).
        let o = base_strs.len() as u32;
        let split = raw_btf(
            &[
                o + 1,
                STRUCT | 2,
                16,
                o + 7,
                1,
                0,
                o + 9,
                4,
                64, // "mod_s" { a, b }
                0,
                PTR,
                2,
            ],
            b"\0mod_s\0a\0b\0",
        );
        let joined = join_split_btf(&base, &split).expect("joins");
        let t = BtfTypes::from_raw_btf(&joined).expect("parses");
        let m = t.struct_named("mod_s").expect("the module's struct");
        assert_eq!(t.size_of(m), Some(16));
        let end = walk(&t, m, "b.x").expect("b.x");
        assert_eq!(end.steps.len(), 1, "one pointer load (b)");
        assert_eq!((end.steps[0].offset, end.offset), (8, 0));
        assert_eq!(type_name(&t, end.ty), "int");
        assert!(join_split_btf(b"not btf at all, long enough.....", &split).is_err());
        assert!(BtfTypes::for_module("../etc").is_err());
    }

    /// The running kernel's BTF: the paths of the field notes resolve to real offsets.
    #[test]
    fn resolves_task_struct_paths_on_this_kernel() {
        let Some(t) = BtfTypes::load() else {
            eprintln!("SKIPPED: no /sys/kernel/btf/vmlinux on this kernel");
            return;
        };
        let task = t.struct_named("task_struct").expect("task_struct");
        let end = walk(&t, task, "pid").expect("pid");
        assert!(end.steps.is_empty());
        assert_eq!(type_name(&t, end.ty), "int");
        let end = walk(&t, task, "loginuid.val").expect("loginuid.val");
        assert!(end.steps.is_empty());
        assert!(matches!(t.shape(end.ty), TypeShape::Int { size: 4, .. }));
        let end = walk(&t, task, "real_parent.comm").expect("real_parent.comm");
        assert_eq!(end.steps.len(), 1);
        assert_eq!(end.steps[0].load, 8);
        assert!(
            type_name(&t, end.ty).starts_with("char["),
            "{}",
            type_name(&t, end.ty)
        );
        // A kernel function's parameter and a raw tracepoint's argument.
        let p = t.function_param("wake_up_new_task", 0).expect("param");
        assert_eq!(type_name(&t, p), "struct task_struct *");
        assert_eq!(pointee_composite(&t, p), Ok(task));
        let p = t
            .raw_tracepoint_param("sched_process_exec", 2)
            .expect("raw tp arg");
        assert_eq!(type_name(&t, p), "struct linux_binprm *");
        assert!(t.function_param("no_such_function_xyz", 0).is_err());
    }
}
