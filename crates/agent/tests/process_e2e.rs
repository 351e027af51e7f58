//! Kernel end-to-end tests of the process sensor (issue #2): real BPF programs watching real
//! processes. Test names carry `root`: they need root and skip with a SKIP line without it.
mod util;

use std::collections::{HashMap, HashSet};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};
use std::time::Duration;

use auspex_events::process_id::decode_exec_id;
use util::{TestAgent, execs, exits, proc_of, require_root};

const WAIT: Duration = Duration::from_secs(30);

#[test]
fn root_echo_in_shell_exec_and_exit() {
    if !require_root("root_echo_in_shell_exec_and_exit") {
        return;
    }
    let mut agent = TestAgent::start(|_| {});
    let dir = tempfile::tempdir().expect("tempdir");
    let cwd = dir.path().canonicalize().expect("canonical cwd");
    // `; true` keeps the shell alive so it forks echo instead of exec'ing it.
    let status = Command::new("/bin/sh")
        .arg("-c")
        .arg("/bin/echo \"a b\" c; true")
        .current_dir(&cwd)
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn sh");
    let sh_pid = status.id();
    let out = status.wait_with_output().expect("sh ran");
    assert!(out.status.success());

    let is_echo = |e: &&auspex_events::tetragon::ProcessExec| {
        let p = proc_of(&e.process);
        p.binary == "/bin/echo" && e.parent.as_ref().and_then(|pp| pp.pid) == Some(sh_pid)
    };
    agent.wait_until("echo exec and exit", WAIT, |seen| {
        let echo = execs(seen).into_iter().find(is_echo);
        echo.is_some_and(|x| {
            let id = &proc_of(&x.process).exec_id;
            exits(seen)
                .iter()
                .any(|e| &proc_of(&e.process).exec_id == id)
        })
    });
    let seen = &agent.seen;
    let echoes: Vec<_> = execs(seen).into_iter().filter(is_echo).collect();
    assert_eq!(echoes.len(), 1, "exactly one exec event for echo");
    let echo = echoes[0];
    let p = proc_of(&echo.process);
    assert_eq!(p.arguments, "\"a b\" c");
    assert_eq!(p.cwd, cwd.to_str().expect("utf8"));
    assert_eq!(p.flags, "execve clone");
    assert_eq!(p.pid, p.tid);
    assert_eq!(p.uid, Some(0));
    let sh_exec = execs(seen)
        .into_iter()
        .find(|e| proc_of(&e.process).pid == Some(sh_pid))
        .expect("the shell's own exec event");
    let sh = proc_of(&sh_exec.process);
    assert!(sh.binary.ends_with("/sh"), "shell binary {}", sh.binary);
    assert_eq!(
        p.parent_exec_id, sh.exec_id,
        "echo's parent_exec_id is the shell's exec_id"
    );
    let parent = echo.parent.as_ref().expect("parent in exec event");
    assert_eq!(parent.exec_id, sh.exec_id);
    assert_eq!(parent.binary, sh.binary);
    assert_eq!(sh.parent_exec_id, {
        // The shell was forked by this test process, found in /proc at start-up.
        let me = std::process::id();
        let my = sh_exec.parent.as_ref().expect("shell has a parent");
        assert_eq!(my.pid, Some(me));
        assert!(
            my.flags.contains("procFS"),
            "test process flags {}",
            my.flags
        );
        my.exec_id.clone()
    });

    let exit = exits(seen)
        .into_iter()
        .find(|e| proc_of(&e.process).exec_id == p.exec_id)
        .expect("echo's exit");
    assert_eq!(exit.status, 0);
    assert_eq!(exit.signal, "");
    assert_eq!(proc_of(&exit.process).binary, "/bin/echo");
    assert_eq!(
        exit.parent.as_ref().map(|pp| pp.exec_id.as_str()),
        Some(sh.exec_id.as_str())
    );

    // exec_id is base64("node:ktime:pid").
    let (node, ktime, pid) = decode_exec_id(&p.exec_id).expect("exec_id decodes");
    assert_eq!(node, "auspex-test");
    assert_eq!(Some(pid), p.pid);
    assert!(ktime > 0);
    let summary = agent.stop();
    assert_eq!(summary.losses.total(), 0, "{:?}", summary.losses);
}

#[test]
fn root_sigkill_is_reported_as_signal() {
    if !require_root("root_sigkill_is_reported_as_signal") {
        return;
    }
    let mut agent = TestAgent::start(|_| {});
    let mut child = Command::new("/bin/sleep")
        .arg("60")
        .spawn()
        .expect("spawn sleep");
    let pid = child.id();
    agent.wait_until("sleep exec", WAIT, |seen| {
        execs(seen)
            .iter()
            .any(|e| proc_of(&e.process).pid == Some(pid))
    });
    child.kill().expect("SIGKILL");
    assert_eq!(child.wait().expect("reaped").signal(), Some(9));
    agent.wait_until("sleep exit", WAIT, |seen| {
        exits(seen)
            .iter()
            .any(|e| proc_of(&e.process).pid == Some(pid))
    });
    let exit = exits(&agent.seen)
        .into_iter()
        .find(|e| proc_of(&e.process).pid == Some(pid))
        .expect("exit");
    assert_eq!(exit.signal, "SIGKILL");
    assert_eq!(exit.status, 0);
    assert_eq!(proc_of(&exit.process).binary, "/bin/sleep");
    assert_eq!(proc_of(&exit.process).arguments, "60");
}

#[test]
fn root_process_started_before_agent_has_procfs_flag() {
    if !require_root("root_process_started_before_agent_has_procfs_flag") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new("/bin/sleep")
        .arg("60")
        .current_dir(dir.path())
        .spawn()
        .expect("spawn sleep");
    let pid = child.id();
    let mut agent = TestAgent::start(|_| {});
    child.kill().expect("kill");
    let _ = child.wait();
    agent.wait_until("exit of the pre-existing sleep", WAIT, |seen| {
        exits(seen)
            .iter()
            .any(|e| proc_of(&e.process).pid == Some(pid))
    });
    let exit = exits(&agent.seen)
        .into_iter()
        .find(|e| proc_of(&e.process).pid == Some(pid))
        .expect("exit");
    let p = proc_of(&exit.process);
    assert_eq!(p.flags, "procFS");
    assert_eq!(p.binary, "/usr/bin/sleep");
    assert_eq!(p.arguments, "60");
    assert_eq!(
        p.cwd,
        dir.path()
            .canonicalize()
            .expect("cwd")
            .to_str()
            .expect("utf8")
    );
    // procFS ktime is /proc starttime in ns: before now and consistent with start_time.
    let (_, ktime, dpid) = decode_exec_id(&p.exec_id).expect("decodes");
    assert_eq!(dpid, pid);
    assert_eq!(
        ktime % 10_000_000,
        0,
        "clock-tick granularity (CLK_TCK=100)"
    );
    let parent = exit.parent.as_ref().expect("parent known");
    assert_eq!(parent.pid, Some(std::process::id()));
    assert_eq!(exit.signal, "SIGKILL");
}

#[test]
fn root_burst_of_2000_processes_no_loss_no_duplicates() {
    if !require_root("root_burst_of_2000_processes_no_loss_no_duplicates") {
        return;
    }
    const N: usize = 2000;
    let mut agent = TestAgent::start(|_| {});
    let me = Some(std::process::id());
    // Four spawner threads: a burst, not a trickle.
    let threads: Vec<_> = (0..4)
        .map(|_| {
            std::thread::spawn(|| {
                let mut pids = Vec::new();
                for _ in 0..N / 4 {
                    let c = Command::new("/bin/true").spawn().expect("spawn true");
                    pids.push(c.id());
                    let mut c = c;
                    assert!(c.wait().expect("wait").success());
                }
                pids
            })
        })
        .collect();
    let pids: Vec<u32> = threads
        .into_iter()
        .flat_map(|t| t.join().expect("spawner"))
        .collect();
    assert_eq!(pids.len(), N);
    let ours = |p: &auspex_events::tetragon::Process,
                parent: &Option<auspex_events::tetragon::Process>| {
        p.binary == "/bin/true" && parent.as_ref().and_then(|x| x.pid) == me
    };
    agent.wait_until("2000 execs and exits", Duration::from_secs(60), |seen| {
        let e = execs(seen)
            .iter()
            .filter(|x| ours(proc_of(&x.process), &x.parent))
            .count();
        let x = exits(seen)
            .iter()
            .filter(|x| ours(proc_of(&x.process), &x.parent))
            .count();
        e >= N && x >= N
    });
    let exec_ids: Vec<String> = execs(&agent.seen)
        .into_iter()
        .filter(|x| ours(proc_of(&x.process), &x.parent))
        .map(|x| proc_of(&x.process).exec_id.clone())
        .collect();
    let exit_ids: Vec<String> = exits(&agent.seen)
        .into_iter()
        .filter(|x| ours(proc_of(&x.process), &x.parent))
        .map(|x| proc_of(&x.process).exec_id.clone())
        .collect();
    assert_eq!(exec_ids.len(), N, "exec events");
    assert_eq!(exit_ids.len(), N, "exit events");
    let unique: HashSet<_> = exec_ids.iter().collect();
    assert_eq!(unique.len(), N, "no duplicate exec ids");
    assert_eq!(
        exit_ids.iter().collect::<HashSet<_>>(),
        unique,
        "every exec has its exit"
    );
    let seen_pids: HashSet<u32> = execs(&agent.seen)
        .into_iter()
        .filter(|x| ours(proc_of(&x.process), &x.parent))
        .filter_map(|x| proc_of(&x.process).pid)
        .collect();
    assert!(
        pids.iter().all(|p| seen_pids.contains(p)),
        "every spawned pid reported"
    );
    let summary = agent.stop();
    assert_eq!(summary.losses.total(), 0, "{:?}", summary.losses);
}

#[test]
fn root_ancestors_of_a_four_deep_tree() {
    if !require_root("root_ancestors_of_a_four_deep_tree") {
        return;
    }
    let mut agent = TestAgent::start(|c| c.enable_ancestors = true);
    // test → sh(1) → sh(2) → sh(3) → /bin/true; `; :` forces each shell to fork.
    let mut child = Command::new("/bin/sh")
        .arg("-c")
        .arg("/bin/sh -c '/bin/sh -c \"/bin/true; :\"; :'; :")
        .spawn()
        .expect("spawn");
    let sh1 = child.id();
    assert!(child.wait().expect("ran").success());
    let is_true = |x: &&auspex_events::tetragon::ProcessExec| {
        proc_of(&x.process).binary == "/bin/true" && x.ancestors.iter().any(|a| a.pid == Some(sh1))
    };
    agent.wait_until("exec of the innermost true", WAIT, |seen| {
        execs(seen).iter().any(is_true)
    });
    let ev = execs(&agent.seen).into_iter().find(is_true).expect("found");
    let parent = ev.parent.as_ref().expect("parent");
    assert!(parent.binary.ends_with("/sh"));
    let chain: Vec<_> = ev.ancestors.iter().collect();
    assert!(
        chain.len() >= 3,
        "at least sh2, sh1, the test process: {}",
        chain.len()
    );
    assert!(chain[0].binary.ends_with("/sh"), "nearest first: sh2");
    assert_eq!(chain[1].pid, Some(sh1), "then sh1");
    assert_eq!(
        chain[2].pid,
        Some(std::process::id()),
        "then the test process"
    );
    // Complete and ordered: every link points at the next one, up to init.
    assert_eq!(parent.parent_exec_id, chain[0].exec_id);
    for w in chain.windows(2) {
        assert_eq!(
            w[0].parent_exec_id, w[1].exec_id,
            "{} → {}",
            w[0].binary, w[1].binary
        );
    }
    assert_eq!(
        chain.last().and_then(|a| a.pid),
        Some(1),
        "chain ends at init"
    );
}

#[test]
fn root_exec_id_unique_across_pid_reuse() {
    if !require_root("root_exec_id_unique_across_pid_reuse") {
        return;
    }
    let mut agent = TestAgent::start(|_| {});
    // Force the same pid twice through ns_last_pid; other tests fork concurrently, so retry.
    let mut by_pid: HashMap<u32, Vec<u32>> = HashMap::new();
    let target = loop {
        let first = Command::new("/bin/true").spawn().expect("spawn");
        let pid = first.id();
        let mut first = first;
        first.wait().expect("wait");
        let mut hit = None;
        for _ in 0..50 {
            std::fs::write("/proc/sys/kernel/ns_last_pid", (pid - 1).to_string())
                .expect("write ns_last_pid (needs root)");
            let mut again = Command::new("/bin/true").spawn().expect("spawn");
            let p2 = again.id();
            again.wait().expect("wait");
            if p2 == pid {
                hit = Some(pid);
                break;
            }
        }
        if let Some(p) = hit {
            by_pid.entry(p).or_default().push(p);
            break p;
        }
    };
    agent.wait_until("two execs with the same pid", WAIT, |seen| {
        execs(seen)
            .iter()
            .filter(|e| {
                proc_of(&e.process).pid == Some(target) && proc_of(&e.process).binary == "/bin/true"
            })
            .count()
            >= 2
    });
    let ids: Vec<_> = execs(&agent.seen)
        .into_iter()
        .filter(|e| {
            proc_of(&e.process).pid == Some(target) && proc_of(&e.process).binary == "/bin/true"
        })
        .map(|e| proc_of(&e.process).exec_id.clone())
        .collect();
    assert_eq!(ids.len(), 2);
    assert_ne!(ids[0], ids[1], "same pid, different exec ids");
    let a = decode_exec_id(&ids[0]).expect("decodes");
    let b = decode_exec_id(&ids[1]).expect("decodes");
    assert_eq!((a.2, b.2), (target, target));
    assert!(b.1 > a.1, "later process has a later ktime");
}

#[test]
fn root_process_cache_stays_bounded_under_churn() {
    if !require_root("root_process_cache_stays_bounded_under_churn") {
        return;
    }
    const CAP: usize = 150;
    let mut agent = TestAgent::start(|c| c.process_cache_size = CAP);
    let before = std::fs::read_dir("/proc").expect("proc").count();
    for _ in 0..1500 {
        Command::new("/bin/true").status().expect("run true");
    }
    // Shells that exit while their child lives: dead images kept for a child, evictable.
    for _ in 0..100 {
        Command::new("/bin/sh")
            .args(["-c", "/bin/sleep 3 & exit 0"])
            .status()
            .expect("run sh");
    }
    agent.wait_until("1500 exits", Duration::from_secs(60), |seen| {
        exits(seen)
            .iter()
            .filter(|e| proc_of(&e.process).binary == "/bin/true")
            .count()
            >= 1500
    });
    let summary = agent.stop();
    // Live processes are never evicted: the bound is the capacity plus what is running.
    assert!(
        summary.process_cache_evictions > 0,
        "dead shells were evicted"
    );
    assert!(
        summary.process_cache_peak <= CAP + before + 100,
        "peak {} > {CAP} + {before} live",
        summary.process_cache_peak
    );
}

#[test]
fn root_threads_have_no_events_of_their_own() {
    if !require_root("root_threads_have_no_events_of_their_own") {
        return;
    }
    let mut agent = TestAgent::start(|_| {});
    // A process with four extra threads that exit before it does.
    let code = "import threading,time\nts=[threading.Thread(target=time.sleep,args=(0.2,)) for _ in range(4)]\n[t.start() for t in ts]\n[t.join() for t in ts]\n";
    let mut child = Command::new("/usr/bin/python3")
        .args(["-c", code])
        .spawn()
        .expect("python3");
    let pid = child.id();
    assert!(child.wait().expect("ran").success());
    agent.wait_until("python exit", WAIT, |seen| {
        exits(seen)
            .iter()
            .any(|e| proc_of(&e.process).pid == Some(pid))
    });
    // Give stray per-thread events a chance to arrive before counting.
    agent.wait_until("a later marker exec", WAIT, {
        let _ = Command::new("/bin/true").arg("thread-marker").status();
        |seen: &[auspex_events::tetragon::GetEventsResponse]| {
            execs(seen)
                .iter()
                .any(|e| proc_of(&e.process).arguments == "thread-marker")
        }
    });
    let n_exec = execs(&agent.seen)
        .iter()
        .filter(|e| proc_of(&e.process).pid == Some(pid))
        .count();
    let n_exit = exits(&agent.seen)
        .iter()
        .filter(|e| proc_of(&e.process).pid == Some(pid))
        .count();
    assert_eq!(
        (n_exec, n_exit),
        (1, 1),
        "one exec and one exit for a 5-thread process"
    );
}

#[test]
fn root_forked_child_without_exec_has_identity() {
    if !require_root("root_forked_child_without_exec_has_identity") {
        return;
    }
    let mut agent = TestAgent::start(|_| {});
    // The subshell is a fork of sh that never execs and exits with status 3.
    let mut child = Command::new("/bin/sh")
        .args(["-c", "(/bin/true subshell-marker; exit 3); :"])
        .spawn()
        .expect("sh");
    let sh = child.id();
    child.wait().expect("ran");
    let is_sub = |e: &&auspex_events::tetragon::ProcessExit| {
        e.parent.as_ref().and_then(|p| p.pid) == Some(sh) && proc_of(&e.process).flags == "clone"
    };
    agent.wait_until("exit of the subshell", WAIT, |seen| {
        exits(seen).iter().any(is_sub)
    });
    let exit = exits(&agent.seen).into_iter().find(is_sub).expect("found");
    let p = proc_of(&exit.process);
    assert_eq!(exit.status, 3);
    assert!(
        p.binary.ends_with("/sh"),
        "a fork carries its parent's image: {}",
        p.binary
    );
    assert_ne!(p.pid, Some(sh));
    let sh_exec = execs(&agent.seen)
        .into_iter()
        .find(|e| proc_of(&e.process).pid == Some(sh))
        .expect("sh exec");
    assert_eq!(p.parent_exec_id, proc_of(&sh_exec.process).exec_id);
    // The true run by the subshell has the subshell as its parent.
    let t = execs(&agent.seen)
        .into_iter()
        .find(|e| proc_of(&e.process).arguments == "subshell-marker")
        .expect("true exec");
    assert_eq!(proc_of(&t.process).parent_exec_id, p.exec_id);
}

#[test]
fn root_long_arguments_set_trunc_args() {
    if !require_root("root_long_arguments_set_trunc_args") {
        return;
    }
    let mut agent = TestAgent::start(|_| {});
    // 40 arguments of 1000 bytes: 40 KB of argv, more than the 32 KiB captured.
    let long: Vec<String> = (0..40)
        .map(|i| format!("{i:04}{}", "x".repeat(996)))
        .collect();
    let mut child = Command::new("/bin/true").args(&long).spawn().expect("true");
    let pid = child.id();
    child.wait().expect("ran");
    let mut short = Command::new("/bin/true")
        .args(&long[..10])
        .spawn()
        .expect("true");
    let spid = short.id();
    short.wait().expect("ran");
    agent.wait_until("both execs", WAIT, |seen| {
        let pids: Vec<_> = execs(seen)
            .iter()
            .filter_map(|e| proc_of(&e.process).pid)
            .collect();
        pids.contains(&pid) && pids.contains(&spid)
    });
    let find = |pid| {
        execs(&agent.seen)
            .into_iter()
            .find(|e| proc_of(&e.process).pid == Some(pid))
            .map(|e| proc_of(&e.process).clone())
            .expect("exec")
    };
    let p = find(pid);
    assert_eq!(p.flags, "execve truncArgs clone");
    assert!(p.arguments.starts_with(&long[0]), "kept the beginning");
    assert!(
        p.arguments.len() > 30_000 && p.arguments.len() < 40_000,
        "len {}",
        p.arguments.len()
    );
    let s = find(spid);
    assert_eq!(
        s.flags, "execve clone",
        "10 KB of arguments are not truncated"
    );
    assert_eq!(s.arguments, long[..10].join(" "));
}

#[test]
fn root_optional_fields_cred_ns_user() {
    if !require_root("root_optional_fields_cred_ns_user") {
        return;
    }
    let mut agent = TestAgent::start(|c| {
        c.enable_process_cred = true;
        c.enable_process_ns = true;
        c.username_metadata = auspex_agent::config::UsernameMetadata::Unix;
    });
    let mut child = Command::new("/bin/true")
        .arg("optional-fields")
        .spawn()
        .expect("true");
    let pid = child.id();
    child.wait().expect("ran");
    agent.wait_until("exec", WAIT, |seen| {
        execs(seen)
            .iter()
            .any(|e| proc_of(&e.process).pid == Some(pid))
    });
    let ev = execs(&agent.seen)
        .into_iter()
        .find(|e| proc_of(&e.process).pid == Some(pid))
        .expect("exec");
    let p = proc_of(&ev.process);
    assert_eq!(p.user.as_ref().map(|u| u.name.as_str()), Some("root"));
    let creds = p.process_credentials.as_ref().expect("process_credentials");
    assert_eq!(
        (creds.uid, creds.euid, creds.gid),
        (Some(0), Some(0), Some(0))
    );
    let cap = p.cap.as_ref().expect("cap");
    assert!(
        cap.effective.contains(&21),
        "root has CAP_SYS_ADMIN (21): {:?}",
        cap.effective
    );
    let ns = p.ns.as_ref().expect("ns");
    let my_mnt = std::fs::read_link("/proc/self/ns/mnt").expect("ns link");
    let my_mnt = my_mnt.to_str().expect("utf8");
    let mnt = ns.mnt.as_ref().expect("mnt");
    assert!(
        my_mnt.contains(&format!("[{}]", mnt.inum)),
        "{my_mnt} vs {}",
        mnt.inum
    );
    assert!(mnt.is_host && ns.pid.as_ref().is_some_and(|n| n.is_host));
    // The parent (this test process, from /proc) carries the same optional fields.
    let parent = ev.parent.as_ref().expect("parent");
    assert!(parent.cap.is_some() && parent.ns.is_some() && parent.user.is_some());
    // Processes in another namespace are not host.
    let out = Command::new("unshare")
        .args(["--uts", "/bin/true", "in-uts-ns"])
        .status()
        .expect("unshare");
    assert!(out.success());
    agent.wait_until("exec in new uts ns", WAIT, |seen| {
        execs(seen)
            .iter()
            .any(|e| proc_of(&e.process).arguments == "in-uts-ns")
    });
    let e = execs(&agent.seen)
        .into_iter()
        .find(|e| proc_of(&e.process).arguments == "in-uts-ns")
        .expect("found");
    let ns = proc_of(&e.process).ns.as_ref().expect("ns");
    assert!(!ns.uts.as_ref().expect("uts").is_host);
    assert!(ns.net.as_ref().expect("net").is_host);
}

#[test]
fn root_cwd_longer_than_path_max_is_flagged() {
    if !require_root("root_cwd_longer_than_path_max_is_flagged") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    // 25 levels of 200-byte names: about 5 KB of path, more than PATH_MAX. Shells refuse such a
    // cwd, so python walks down with relative chdir calls and execs.
    let name = "d".repeat(200);
    let code = format!(
        "import os\nfor _ in range(25):\n    os.mkdir('{name}'); os.chdir('{name}')\nos.execv('/bin/true', ['/bin/true', 'deep-cwd-marker'])\n"
    );
    let mut agent = TestAgent::start(|_| {});
    let st = Command::new("/usr/bin/python3")
        .args(["-c", &code])
        .current_dir(dir.path())
        .status()
        .expect("python3");
    assert!(st.success());
    agent.wait_until("deep exec", WAIT, |seen| {
        execs(seen)
            .iter()
            .any(|e| proc_of(&e.process).arguments == "deep-cwd-marker")
    });
    let e = execs(&agent.seen)
        .into_iter()
        .find(|e| proc_of(&e.process).arguments == "deep-cwd-marker")
        .expect("found");
    let p = proc_of(&e.process);
    assert!(
        p.flags.contains("errorPathResolutionCwd"),
        "flags {}",
        p.flags
    );
    assert!(p.cwd.ends_with(&format!("/{name}")), "kept the tail");
    assert!(
        p.cwd.len() <= 4096 && p.cwd.len() > 3800,
        "cwd len {}",
        p.cwd.len()
    );
}
