//! Virtual address → file offset for uprobes given by `addrs`.
//!
//! The kernel places a uprobe at a file offset; a policy's `addrs` are addresses in the ELF
//! file's own address space (what `nm` or `objdump -d` print). The loadable segment that
//! contains the address maps one to the other: offset = address − p_vaddr + p_offset.

use std::io::{Read, Seek, SeekFrom};

const PT_LOAD: u32 = 1;
const PF_X: u32 = 1;

/// The file offset of `address` in the ELF file at `path`; the address must lie in an
/// executable loadable segment (a probe elsewhere would never fire).
pub(crate) fn file_offset(path: &str, address: u64) -> Result<u64, String> {
    let mut f = std::fs::File::open(path).map_err(|e| format!("cannot open {path}: {e}"))?;
    let mut header = [0u8; 64];
    f.read_exact(&mut header)
        .map_err(|_| format!("{path} is not an ELF file (too short)"))?;
    let (phoff, phentsize, phnum) = program_headers(&header).map_err(|e| format!("{path}: {e}"))?;
    let mut table = vec![0u8; phentsize * phnum];
    f.seek(SeekFrom::Start(phoff))
        .and_then(|_| f.read_exact(&mut table))
        .map_err(|e| format!("{path}: cannot read the program headers: {e}"))?;
    offset_in_segments(&table, phentsize, address).map_err(|e| format!("{path}: {e}"))
}

/// (e_phoff, e_phentsize, e_phnum) of a 64-bit little-endian ELF header.
fn program_headers(h: &[u8; 64]) -> Result<(u64, usize, usize), String> {
    if h[..4] != *b"\x7fELF" {
        return Err("not an ELF file".into());
    }
    if h[4] != 2 || h[5] != 1 {
        return Err("not a 64-bit little-endian ELF file".into());
    }
    let phoff = u64::from_le_bytes(h[0x20..0x28].try_into().unwrap_or_default());
    let phentsize = usize::from(u16::from_le_bytes([h[0x36], h[0x37]]));
    let phnum = usize::from(u16::from_le_bytes([h[0x38], h[0x39]]));
    if phentsize < 56 || phnum == 0 {
        return Err("no program headers".into());
    }
    Ok((phoff, phentsize, phnum))
}

fn offset_in_segments(table: &[u8], phentsize: usize, address: u64) -> Result<u64, String> {
    let u32_at =
        |e: &[u8], at: usize| u32::from_le_bytes(e[at..at + 4].try_into().unwrap_or_default());
    let u64_at =
        |e: &[u8], at: usize| u64::from_le_bytes(e[at..at + 8].try_into().unwrap_or_default());
    for e in table.chunks_exact(phentsize) {
        let (p_type, p_flags) = (u32_at(e, 0), u32_at(e, 4));
        let (p_offset, p_vaddr, p_filesz) = (u64_at(e, 8), u64_at(e, 16), u64_at(e, 32));
        if p_type != PT_LOAD || address < p_vaddr || address - p_vaddr >= p_filesz {
            continue;
        }
        if p_flags & PF_X == 0 {
            return Err(format!(
                "address {address:#x} is in a segment that is not executable"
            ));
        }
        return Ok(address - p_vaddr + p_offset);
    }
    Err(format!(
        "address {address:#x} is in none of the file's loadable segments"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phdr(p_type: u32, flags: u32, offset: u64, vaddr: u64, filesz: u64) -> Vec<u8> {
        let mut e = vec![0u8; 56];
        e[0..4].copy_from_slice(&p_type.to_le_bytes());
        e[4..8].copy_from_slice(&flags.to_le_bytes());
        e[8..16].copy_from_slice(&offset.to_le_bytes());
        e[16..24].copy_from_slice(&vaddr.to_le_bytes());
        e[32..40].copy_from_slice(&filesz.to_le_bytes());
        e
    }

    #[test]
    fn maps_an_address_through_its_executable_segment() {
        let table = [
            phdr(PT_LOAD, 4, 0, 0, 0x1000),
            phdr(PT_LOAD, 5, 0x1000, 0x401000, 0x2000),
            phdr(PT_LOAD, 6, 0x3000, 0x404000, 0x500),
        ]
        .concat();
        assert_eq!(offset_in_segments(&table, 56, 0x401136), Ok(0x1136));
        let err = offset_in_segments(&table, 56, 0x404010).unwrap_err();
        assert!(err.contains("not executable"), "{err}");
        let err = offset_in_segments(&table, 56, 0x900000).unwrap_err();
        assert!(
            err.contains("none of the file's loadable segments"),
            "{err}"
        );
    }

    #[test]
    fn refuses_what_is_not_a_64_bit_elf() {
        let mut h = [0u8; 64];
        assert!(program_headers(&h).unwrap_err().contains("not an ELF"));
        h[..4].copy_from_slice(b"\x7fELF");
        h[4] = 1;
        h[5] = 1;
        assert!(program_headers(&h).unwrap_err().contains("64-bit"));
    }

    #[test]
    fn reads_the_program_headers_of_a_real_binary() {
        // /proc/self/exe's entry point lies in its executable segment.
        let exe = std::fs::read("/proc/self/exe").unwrap();
        let entry = u64::from_le_bytes(exe[0x18..0x20].try_into().unwrap());
        let off = file_offset("/proc/self/exe", entry).unwrap();
        assert!(off < exe.len() as u64 && off > 0, "{off:#x}");
    }
}
