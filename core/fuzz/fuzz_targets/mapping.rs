//! `cargo fuzz run mapping`: any bytes through parsing and mapping; a panic is a finding.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    storesync_fuzz::run(data);
});
