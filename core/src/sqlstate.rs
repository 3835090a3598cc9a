//! Which database errors say "try again" rather than "this request is bad": one definition for
//! the extension (which errors of a typed write leave the payload blameless) and the worker
//! (which errors it answers 503, so the sender retries, rather than 500).

/// True for SQLSTATEs after which the same request may well succeed: connection exceptions
/// (class 08), serialization failure and deadlock (40001, 40P01), insufficient resources
/// (class 53), operator intervention — a cancel, a statement timeout, a shutdown (class 57) —,
/// system errors such as I/O (class 58), and a lock not available (55P03).
pub fn is_transient(sqlstate: &str) -> bool {
    ["08", "53", "57", "58"]
        .iter()
        .any(|class| sqlstate.starts_with(class))
        || matches!(sqlstate, "40001" | "40P01" | "55P03")
}

#[cfg(test)]
mod tests {
    use super::is_transient;

    #[test]
    fn retryable_sqlstates_are_transient() {
        for code in [
            "08006", "08001", "40001", "40P01", "53300", "53100", "53200", "55P03", "57014",
            "57P01", "57P02", "57P03", "58030",
        ] {
            assert!(is_transient(code), "{code}");
        }
    }

    #[test]
    fn faults_of_the_request_or_the_code_are_not() {
        for code in [
            "42883", "22P02", "22021", "23505", "28P01", "40002", "54000", "54001", "XX000",
            "P0001", "P0002",
        ] {
            assert!(!is_transient(code), "{code}");
        }
    }
}
