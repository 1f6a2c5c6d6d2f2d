//! Checks profile files without building the server: `cargo run -p govit-core --example
//! policy_check -- policies/yeji.toml`. The same check runs as `govit policy check`.

fn main() -> std::process::ExitCode {
    let mut failed = false;
    for path in std::env::args().skip(1) {
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("{path}: {e}");
                failed = true;
                continue;
            }
        };
        match govit_core::policy::load(&path, &text) {
            Ok(p) => println!("{path}: 通过（{} 条规则）", p.rule_count()),
            Err(errors) => {
                failed = true;
                for e in errors {
                    println!("{e}");
                }
            }
        }
    }
    if failed { std::process::ExitCode::FAILURE } else { std::process::ExitCode::SUCCESS }
}
