//! Validates policy files given on the command line and prints every problem:
//! `cargo run -p auspex-policy --example check -- policy.yaml…`

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut failed = false;
    for arg in std::env::args().skip(1) {
        match auspex_policy::load_documents(Path::new(&arg)) {
            Ok(parsed) => {
                for p in &parsed.policies {
                    println!("{arg}: ok: {} {:?}", p.kind.as_str(), p.name());
                }
                for s in &parsed.skipped {
                    println!(
                        "{arg}: skipped document {} (kind {})",
                        s.document + 1,
                        s.kind.as_deref().unwrap_or("none")
                    );
                }
            }
            Err(errors) => {
                failed = true;
                eprintln!("{errors}");
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
