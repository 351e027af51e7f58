//! Event sinks. The JSON exporter writes one protojson line per event to stdout or to a file
//! (created with the configured mode, 0600 by default), after the export allow/deny filters, the
//! export rate limit and the field filters, rotating the file by size and/or time with optional
//! gzip. It buffers and is flushed whenever the pipeline has caught up. A line is never split
//! across files: rotation happens between lines.
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
    /// Last call, at shutdown: pushes out everything, including reports that wait for an
    /// interval (the drops since the last `rate_limit_info`).
    fn close(&mut self) -> io::Result<()> {
        self.flush()
    }
}

/// What the JSON exporter lets through and how it shapes lines.
#[derive(Debug, Clone, Default)]
pub struct ExportOptions {
    /// `--export-allowlist` / `--export-denylist`.
    pub filter: auspex_events::ExportFilter,
    /// `--field-filters`.
    pub fields: auspex_events::FieldFilters,
    /// `--export-rate-limit` events per minute (−1: none).
    pub rate_limit: i64,
    /// Node name for `rate_limit_info` events.
    pub node_name: String,
}

/// Rotation of the export file.
#[derive(Debug, Clone)]
pub struct FileRotation {
    /// Rotate before a line would make the file larger than this (0: never by size).
    pub max_size_bytes: u64,
    /// Rotated files kept (older ones are deleted; 0 keeps none).
    pub max_backups: usize,
    /// gzip rotated files.
    pub compress: bool,
    /// Also rotate after this long (None: size only).
    pub interval: Option<std::time::Duration>,
    /// Mode of created files.
    pub mode: u32,
}

impl Default for FileRotation {
    fn default() -> Self {
        Self {
            max_size_bytes: 10 * 1024 * 1024,
            max_backups: 5,
            compress: false,
            interval: None,
            mode: 0o600,
        }
    }
}

/// The JSON exporter: filters, rate limit, field filters, then a line to stdout or a rotating file.
pub struct JsonExporter {
    out: Output,
    opts: ExportOptions,
    limiter: auspex_events::RateLimiter,
    line: String,
    /// Lines written.
    pub exported: u64,
    /// Events dropped by the rate limit.
    pub rate_limited: u64,
}

enum Output {
    Stdout(BufWriter<io::Stdout>),
    File(RotatingFile),
}

impl JsonExporter {
    /// Exporter to stdout.
    pub fn stdout(opts: ExportOptions) -> Self {
        Self::with(
            Output::Stdout(BufWriter::with_capacity(256 * 1024, io::stdout())),
            opts,
        )
    }

    /// Exporter to a rotating file.
    pub fn file(path: &Path, rotation: FileRotation, opts: ExportOptions) -> io::Result<Self> {
        Ok(Self::with(
            Output::File(RotatingFile::open(path, rotation)?),
            opts,
        ))
    }

    fn with(out: Output, opts: ExportOptions) -> Self {
        let now = std::time::Instant::now();
        Self {
            out,
            limiter: auspex_events::RateLimiter::new(opts.rate_limit, now),
            opts,
            line: String::with_capacity(4096),
            exported: 0,
            rate_limited: 0,
        }
    }

    fn write_line(&mut self) -> io::Result<()> {
        self.line.push('\n');
        match &mut self.out {
            Output::Stdout(w) => w.write_all(self.line.as_bytes()),
            Output::File(f) => f.write_line(self.line.as_bytes()),
        }
    }
}

impl EventSink for JsonExporter {
    fn emit(&mut self, event: &GetEventsResponse) -> io::Result<()> {
        if !self.opts.filter.is_empty() && !self.opts.filter.admits(event) {
            return Ok(());
        }
        // Without a limit, no clock read per event.
        if self.limiter.limits() && !self.limiter.allow(std::time::Instant::now()) {
            self.rate_limited += 1;
            return Ok(());
        }
        self.line.clear();
        if self.opts.fields.is_empty() {
            self.line
                .push_str(&auspex_events::json::to_json_line(event));
        } else {
            self.line.push_str(&self.opts.fields.apply_line(event));
        }
        self.write_line()?;
        self.exported += 1;
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        let report = self.limiter.take_report(std::time::Instant::now());
        self.write_report(report)
    }

    fn close(&mut self) -> io::Result<()> {
        let report = self.limiter.take_final_report();
        self.write_report(report)
    }
}

impl JsonExporter {
    /// Writes the `rate_limit_info` event of `dropped` events (when some), then flushes.
    fn write_report(&mut self, dropped: Option<u64>) -> io::Result<()> {
        if let Some(dropped) = dropped {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default();
            let ev = auspex_events::filter::rate_limit_info_event(
                dropped,
                self.opts.node_name.clone(),
                prost_types::Timestamp {
                    seconds: now.as_secs() as i64,
                    nanos: now.subsec_nanos() as i32,
                },
            );
            self.line.clear();
            self.line.push_str(&auspex_events::json::to_json_line(&ev));
            self.write_line()?;
        }
        match &mut self.out {
            Output::Stdout(w) => w.flush(),
            Output::File(f) => f.flush(),
        }
    }
}

/// An append-only file rotated between lines: by size and/or age, backups named like lumberjack's
/// (`events-2026-11-26T00-35-10.123.log`, `.gz` when compressed), the oldest pruned.
pub struct RotatingFile {
    path: std::path::PathBuf,
    file: BufWriter<std::fs::File>,
    size: u64,
    opened: std::time::Instant,
    cfg: FileRotation,
    /// Time part and counter of the last backup name, so names never repeat within a millisecond.
    last_backup: (String, u64),
}

impl RotatingFile {
    /// Opens (creating parents and the file with `cfg.mode`) for appending.
    pub fn open(path: &Path, cfg: FileRotation) -> io::Result<Self> {
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .mode(cfg.mode)
            .open(path)?;
        let size = file.metadata()?.len();
        Ok(Self {
            path: path.to_path_buf(),
            file: BufWriter::with_capacity(256 * 1024, file),
            size,
            opened: std::time::Instant::now(),
            cfg,
            last_backup: (String::new(), 0),
        })
    }

    /// Appends one whole line, rotating first when it would overflow or the file is too old.
    pub fn write_line(&mut self, line: &[u8]) -> io::Result<()> {
        let len = line.len() as u64;
        let too_big = self.cfg.max_size_bytes > 0
            && self.size > 0
            && self.size + len > self.cfg.max_size_bytes;
        let too_old = self
            .cfg
            .interval
            .is_some_and(|i| self.size > 0 && self.opened.elapsed() >= i);
        if too_big || too_old {
            self.rotate()?;
        }
        self.file.write_all(line)?;
        self.size += len;
        Ok(())
    }

    /// Flushes buffered lines.
    pub fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }

    fn rotate(&mut self) -> io::Result<()> {
        self.file.flush()?;
        let backup = self.backup_name();
        std::fs::rename(&self.path, &backup)?;
        let fresh = OpenOptions::new()
            .create(true)
            .append(true)
            .mode(self.cfg.mode)
            .open(&self.path)?;
        self.file = BufWriter::with_capacity(256 * 1024, fresh);
        self.size = 0;
        self.opened = std::time::Instant::now();
        if self.cfg.compress
            && let Err(e) = gzip_in_place(&backup, self.cfg.mode)
        {
            tracing::warn!(file = %backup.display(), err = %e, "cannot compress rotated export file");
        }
        self.prune();
        Ok(())
    }

    fn stem_ext(&self) -> (String, String) {
        let stem = self
            .path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let ext = self
            .path
            .extension()
            .map(|e| format!(".{}", e.to_string_lossy()))
            .unwrap_or_default();
        (stem, ext)
    }

    fn backup_name(&mut self) -> std::path::PathBuf {
        let (stem, ext) = self.stem_ext();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let ts = format_backup_time(now.as_secs() as i64, now.subsec_millis());
        // Several rotations in one millisecond get increasing `-N` suffixes (never reused).
        let n = if self.last_backup.0 == ts {
            self.last_backup.1 + 1
        } else {
            0
        };
        self.last_backup = (ts.clone(), n);
        if n == 0 {
            self.path.with_file_name(format!("{stem}-{ts}{ext}"))
        } else {
            self.path.with_file_name(format!("{stem}-{ts}-{n}{ext}"))
        }
    }

    /// Deletes the oldest backups beyond `max_backups`.
    fn prune(&self) {
        let (stem, _) = self.stem_ext();
        let Some(dir) = self.path.parent().map(|d| {
            if d.as_os_str().is_empty() {
                Path::new(".")
            } else {
                d
            }
        }) else {
            return;
        };
        let prefix = format!("{stem}-");
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut backups: Vec<std::path::PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p != &self.path)
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(&prefix))
            })
            .collect();
        // Oldest first: by backup time, then by the same-millisecond counter (`-N`).
        backups.sort_by_key(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            let rest = &name[prefix.len().min(name.len())..];
            let ts: String = rest.chars().take(23).collect();
            let n: u64 = rest
                .get(23..)
                .and_then(|r| r.strip_prefix('-'))
                .map(|r| {
                    r.chars()
                        .take_while(char::is_ascii_digit)
                        .collect::<String>()
                })
                .and_then(|d| d.parse().ok())
                .unwrap_or(0);
            (ts, n)
        });
        while backups.len() > self.cfg.max_backups {
            let old = backups.remove(0);
            let _ = std::fs::remove_file(old);
        }
    }
}

/// `2006-01-02T15-04-05.000` in UTC (lumberjack's backup time format).
fn format_backup_time(secs: i64, millis: u32) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = auspex_events::time::civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}-{:02}-{:02}.{millis:03}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn gzip_in_place(path: &Path, mode: u32) -> io::Result<()> {
    let gz = {
        let mut name = path.as_os_str().to_owned();
        name.push(".gz");
        std::path::PathBuf::from(name)
    };
    let mut input = std::fs::File::open(path)?;
    let out = OpenOptions::new()
        .create_new(true)
        .write(true)
        .mode(mode)
        .open(&gz)?;
    let mut enc = flate2::write::GzEncoder::new(out, flate2::Compression::default());
    io::copy(&mut input, &mut enc)?;
    enc.finish()?.sync_all()?;
    std::fs::remove_file(path)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backup_time_format() {
        assert_eq!(format_backup_time(0, 0), "1970-01-01T00-00-00.000");
        assert_eq!(
            format_backup_time(1_795_912_510, 123),
            "2026-11-29T00-35-10.123"
        );
    }

    #[test]
    fn rotation_keeps_whole_lines_and_prunes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("events.log");
        let cfg = FileRotation {
            max_size_bytes: 1000,
            max_backups: 2,
            compress: false,
            interval: None,
            mode: 0o640,
        };
        let mut f = RotatingFile::open(&path, cfg).expect("open");
        let mut written = 0;
        for i in 0..100 {
            let line = format!("{{\"n\":{i},\"pad\":\"{}\"}}\n", "x".repeat(50));
            f.write_line(line.as_bytes()).expect("write");
            written += 1;
        }
        f.flush().expect("flush");
        let mut files: Vec<_> = std::fs::read_dir(dir.path())
            .expect("dir")
            .map(|e| e.expect("e").path())
            .collect();
        files.sort();
        assert_eq!(files.len(), 3, "current + 2 backups: {files:?}");
        let mut seen = Vec::new();
        for p in &files {
            let text = std::fs::read_to_string(p).expect("read");
            assert!(std::fs::metadata(p).expect("meta").len() <= 1000);
            for l in text.lines() {
                let v: serde_json::Value = serde_json::from_str(l).expect("whole JSON line");
                seen.push(v["n"].as_i64().expect("n"));
            }
        }
        seen.sort();
        assert_eq!(*seen.last().expect("last"), written - 1);
        // The newest lines are kept, contiguous: nothing lost inside the kept range.
        assert!(seen.windows(2).all(|w| w[1] == w[0] + 1), "{seen:?}");
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777,
            0o640
        );
    }

    #[test]
    fn compressed_backups_are_gzip() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("events.log");
        let cfg = FileRotation {
            max_size_bytes: 100,
            max_backups: 5,
            compress: true,
            interval: None,
            mode: 0o600,
        };
        let mut f = RotatingFile::open(&path, cfg).expect("open");
        for _ in 0..5 {
            f.write_line(format!("{{\"x\":\"{}\"}}\n", "y".repeat(60)).as_bytes())
                .expect("write");
        }
        f.flush().expect("flush");
        let gz: Vec<_> = std::fs::read_dir(dir.path())
            .expect("dir")
            .map(|e| e.expect("e").path())
            .filter(|p| p.extension().is_some_and(|e| e == "gz"))
            .collect();
        assert_eq!(gz.len(), 4);
        let mut text = String::new();
        std::io::Read::read_to_string(
            &mut flate2::read::GzDecoder::new(std::fs::File::open(&gz[0]).expect("open")),
            &mut text,
        )
        .expect("gunzip");
        assert!(text.starts_with("{\"x\""));
    }
}
