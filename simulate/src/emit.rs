//! `storesync-simulate --emit-copy`: the same webhooks as a sending run, written as PostgreSQL
//! COPY rows, so other drivers (pgbench, a peer receiver) can replay exactly the same bodies.

use std::io::{BufWriter, Write};

use super::{sign, Generator, SimulateArgs};

/// Writes `count` webhooks to `out`, one COPY text-format row each:
/// `seq <TAB> event <TAB> signature <TAB> \x<body as hex>` (bytea hex input).
pub fn copy_rows(args: &SimulateArgs, count: u64, out: impl Write) -> std::io::Result<()> {
    let mut out = BufWriter::with_capacity(1 << 20, out);
    let mut generator = Generator::new(args.seed, args.world(), &args.only);
    for seq in 1..=count {
        let Some(payload) = generator.next_payload() else {
            break;
        };
        let signature = sign(args.secret.as_bytes(), &payload.body);
        // COPY's text format unescapes `\\` to `\`, so the column receives `\x…`.
        write!(out, "{seq}\t{}\t{signature}\t\\\\x", payload.kind.name())?;
        out.write_all(hex::encode(&payload.body).as_bytes())?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn rows_carry_the_signed_bodies_a_sending_run_sends() {
        let args = SimulateArgs::parse_from(["storesync-simulate", "--seed", "4", "--secret", "k"]);
        let mut out = Vec::new();
        copy_rows(&args, 25, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let mut generator = Generator::new(4, args.world(), &[]);
        let rows: Vec<&str> = text.lines().collect();
        assert_eq!(rows.len(), 25);
        for (i, row) in rows.iter().enumerate() {
            let fields: Vec<&str> = row.split('\t').collect();
            let expected = generator.next_payload().unwrap();
            assert_eq!(fields[0], (i + 1).to_string());
            assert_eq!(fields[1], expected.kind.name());
            let body = hex::decode(fields[3].strip_prefix("\\\\x").unwrap()).unwrap();
            assert_eq!(body, expected.body);
            assert_eq!(fields[2], sign(b"k", &body));
        }
    }
}
