//! Ring-buffer records → typed kernel events. Never panics: every length is checked and a bad
//! record is an error the reader counts.
use auspex_bpf::abi::{
    self, CloneEvent, ExecEvent, ExitEvent, GenericEvent, MsgHeader, read_struct,
};

/// A decoded record of the process sensor.
#[derive(Debug, Clone)]
pub enum KernelEvent {
    /// A process image started.
    Exec(Box<ExecRecord>),
    /// A new thread group was forked.
    Clone(CloneEvent),
    /// A thread group exited.
    Exit(ExitEvent),
    /// A policy hook matched (process_kprobe / process_tracepoint).
    Generic(Box<GenericRecord>),
    /// A chunk of a maxData buffer of the policy event that follows.
    Data(Box<DataRecord>),
}

/// A chunk of a maxData argument: `bytes` go at `offset` of argument `arg` of the policy event
/// of thread `tid` produced at `ktime`.
#[derive(Debug, Clone)]
pub struct DataRecord {
    /// The event's thread id.
    pub tid: u32,
    /// The event's ktime.
    pub ktime: u64,
    /// Position of the argument in the hook.
    pub arg: u32,
    /// Offset of the bytes in the buffer.
    pub offset: u32,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// A policy event with its serialised arguments (decoded against the hook's argument list).
#[derive(Debug, Clone)]
pub struct GenericRecord {
    /// Fixed part.
    pub event: GenericEvent,
    /// Argument bytes.
    pub args: Vec<u8>,
}

/// An exec record with its variable-length parts.
#[derive(Debug, Clone)]
pub struct ExecRecord {
    /// Fixed part.
    pub event: ExecEvent,
    /// Filename as passed to execve.
    pub filename: Vec<u8>,
    /// argv, NUL-separated (argv[0] included).
    pub args: Vec<u8>,
    /// Working directory.
    pub cwd: Vec<u8>,
}

/// Why a record could not be decoded.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    /// Shorter than its fixed part.
    #[error("record of op {op} is {len} bytes, shorter than its {need}-byte header")]
    Short {
        /// Op byte.
        op: u8,
        /// Bytes received.
        len: usize,
        /// Bytes needed.
        need: usize,
    },
    /// Declared lengths exceed the record.
    #[error("record declares {declared} payload bytes but carries {have}")]
    BadLengths {
        /// Sum of the declared lengths.
        declared: usize,
        /// Payload bytes present.
        have: usize,
    },
    /// Unknown op.
    #[error("unknown record op {0}")]
    UnknownOp(u8),
    /// Empty record.
    #[error("empty record")]
    Empty,
}

/// Decodes one ring-buffer record.
pub fn decode(bytes: &[u8]) -> Result<KernelEvent, DecodeError> {
    let op = *bytes.first().ok_or(DecodeError::Empty)?;
    match op {
        abi::MSG_EXEC => decode_exec(bytes).map(|r| KernelEvent::Exec(Box::new(r))),
        abi::MSG_CLONE => fixed::<CloneEvent>(op, bytes).map(KernelEvent::Clone),
        abi::MSG_EXIT => fixed::<ExitEvent>(op, bytes).map(KernelEvent::Exit),
        abi::MSG_GENERIC_KPROBE
        | abi::MSG_GENERIC_TRACEPOINT
        | abi::MSG_GENERIC_UPROBE
        | abi::MSG_GENERIC_LSM => {
            let event: GenericEvent = fixed(op, bytes)?;
            let payload = &bytes[std::mem::size_of::<GenericEvent>()..];
            let len = event.args_len as usize;
            let args = payload.get(..len).ok_or(DecodeError::BadLengths {
                declared: len,
                have: payload.len(),
            })?;
            Ok(KernelEvent::Generic(Box::new(GenericRecord {
                event,
                args: args.to_vec(),
            })))
        }
        abi::MSG_DATA => {
            let m: abi::DataMsg = fixed(op, bytes)?;
            let payload = &bytes[std::mem::size_of::<abi::DataMsg>()..];
            let len = m.len as usize;
            let data = payload.get(..len).ok_or(DecodeError::BadLengths {
                declared: len,
                have: payload.len(),
            })?;
            Ok(KernelEvent::Data(Box::new(DataRecord {
                tid: m.tid,
                ktime: m.hdr.ktime,
                arg: m.arg,
                offset: m.offset,
                bytes: data.to_vec(),
            })))
        }
        other => {
            // Keep the header check so a truncated unknown record is reported as such.
            fixed::<MsgHeader>(other, bytes)?;
            Err(DecodeError::UnknownOp(other))
        }
    }
}

fn fixed<T: abi::Pod>(op: u8, bytes: &[u8]) -> Result<T, DecodeError> {
    read_struct::<T>(bytes).ok_or(DecodeError::Short {
        op,
        len: bytes.len(),
        need: std::mem::size_of::<T>(),
    })
}

fn decode_exec(bytes: &[u8]) -> Result<ExecRecord, DecodeError> {
    let event: ExecEvent = fixed(abi::MSG_EXEC, bytes)?;
    let payload = &bytes[std::mem::size_of::<ExecEvent>()..];
    let (fl, al, cl) = (
        event.filename_len as usize,
        event.args_len as usize,
        event.cwd_len as usize,
    );
    let declared = fl + al + cl;
    if declared > payload.len() {
        return Err(DecodeError::BadLengths {
            declared,
            have: payload.len(),
        });
    }
    Ok(ExecRecord {
        event,
        filename: payload[..fl].to_vec(),
        args: payload[fl..fl + al].to_vec(),
        cwd: payload[fl + al..declared].to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use auspex_bpf::abi::as_bytes;

    #[test]
    fn exec_record_round_trip() {
        let mut ev = ExecEvent::default();
        ev.hdr.op = abi::MSG_EXEC;
        ev.filename_len = 9;
        ev.args_len = 4;
        ev.cwd_len = 4;
        let mut bytes = as_bytes(&ev).to_vec();
        bytes.extend_from_slice(b"/bin/echoa\0b\0/tmp");
        let KernelEvent::Exec(rec) = decode(&bytes).expect("decodes") else {
            panic!("not an exec")
        };
        assert_eq!(rec.filename, b"/bin/echo");
        assert_eq!(rec.args, b"a\0b\0");
        assert_eq!(rec.cwd, b"/tmp");
    }

    #[test]
    fn lengths_beyond_record_are_rejected() {
        let mut ev = ExecEvent::default();
        ev.hdr.op = abi::MSG_EXEC;
        ev.args_len = 100;
        let bytes = as_bytes(&ev).to_vec();
        assert_eq!(
            decode(&bytes).unwrap_err(),
            DecodeError::BadLengths {
                declared: 100,
                have: 0
            }
        );
    }

    #[test]
    fn short_and_unknown_records_are_errors() {
        assert_eq!(decode(&[]).unwrap_err(), DecodeError::Empty);
        assert!(matches!(
            decode(&[abi::MSG_EXIT, 0, 0]).unwrap_err(),
            DecodeError::Short { op: 7, len: 3, .. }
        ));
        let mut h = MsgHeader {
            op: 99,
            ..Default::default()
        };
        h.size = 16;
        assert_eq!(
            decode(as_bytes(&h)).unwrap_err(),
            DecodeError::UnknownOp(99)
        );
    }
}
