fn main() {
    eprintln!("anon: the server is not built yet");
    std::process::exit(2);
}
