//! The `govit` binary: parses the command line and hands over to the library crates.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
