//! `cargo fuzz run rule`: any bytes as a conditional rule (and a document); a panic is a finding.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    storesync_fuzz::rule(data);
});
