//! The `tierlab` binary: the CLI, which opens the GUI when given no subcommand.

fn main() -> std::process::ExitCode {
    tierlab::cli::run()
}
