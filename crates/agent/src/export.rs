//! Event sinks. The JSON sink writes one protojson line per event to stdout or to a file created
//! with mode 0600; it buffers and is flushed whenever the pipeline has caught up.
use std::fs::OpenOptions;
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use auspex_events::tetragon::GetEventsResponse;

/// A consumer of finished events. Called from the pipeline thread only.
pub trait EventSink: Send {
    /// Takes one event. An error stops the agent (e.g. stdout closed).
    fn emit(&mut self, event: &GetEventsResponse) -> io::Result<()>;
    /// Pushes buffered events out.
    fn flush(&mut self) -> io::Result<()>;
}

/// JSON lines to a writer.
pub struct JsonSink {
    out: BufWriter<Box<dyn Write + Send>>,
    line: String,
}

impl JsonSink {
    /// JSON lines on stdout.
    pub fn stdout() -> Self {
        Self::new(Box::new(io::stdout()))
    }

    /// JSON lines appended to `path` (parent directories created, file mode 0600 when created).
    pub fn file(path: &Path) -> io::Result<Self> {
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)?;
        Ok(Self::new(Box::new(file)))
    }

    fn new(out: Box<dyn Write + Send>) -> Self {
        Self {
            out: BufWriter::with_capacity(256 * 1024, out),
            line: String::with_capacity(4096),
        }
    }
}

impl EventSink for JsonSink {
    fn emit(&mut self, event: &GetEventsResponse) -> io::Result<()> {
        self.line.clear();
        self.line
            .push_str(&auspex_events::json::to_json_line(event));
        self.line.push('\n');
        self.out.write_all(self.line.as_bytes())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Sends each event to a channel (in-process consumers such as tests). A full or closed channel
/// drops the event: a slow consumer never stalls the pipeline.
pub struct ChannelSink {
    tx: crossbeam_channel::Sender<GetEventsResponse>,
}

impl ChannelSink {
    /// A sink and the receiving end.
    pub fn bounded(cap: usize) -> (Self, crossbeam_channel::Receiver<GetEventsResponse>) {
        let (tx, rx) = crossbeam_channel::bounded(cap);
        (Self { tx }, rx)
    }
}

impl EventSink for ChannelSink {
    fn emit(&mut self, event: &GetEventsResponse) -> io::Result<()> {
        let _ = self.tx.try_send(event.clone());
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
