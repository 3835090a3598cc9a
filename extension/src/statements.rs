//! Statements prepared once per backend and kept: `ingest` runs the same few statements for
//! every delivery, and parsing and planning them anew each time cost more than running them.
//!
//! PostgreSQL's plan cache keeps kept plans valid: a plan whose tables change (or are dropped
//! and created again with the extension) is re-analysed by name on its next use.

use pgrx::datum::DatumWithOid;
use pgrx::pg_sys::Oid;
use pgrx::spi::{OwnedPreparedStatement, SpiClient, SpiResult, SpiTupleTable};
use pgrx::PgOid;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// At most this many kept plans per backend. Upserts are built per set of columns an event
/// carries, so payloads could ask for many shapes: past the cap, statements run unprepared.
const CAPACITY: usize = 512;

/// Statement text and parameter types → the kept plan.
type Cache = HashMap<(String, Vec<Oid>), Rc<OwnedPreparedStatement>>;

thread_local! {
    // A backend runs one query at a time on one thread; the cache lives as long as the backend.
    static CACHE: RefCell<Cache> = RefCell::new(HashMap::new());
}

/// Runs a statement that writes, prepared on first use in this backend.
pub fn update<'conn>(
    client: &mut SpiClient<'conn>,
    sql: &str,
    args: &[DatumWithOid<'_>],
) -> SpiResult<SpiTupleTable<'conn>> {
    match prepared(client, sql, args, true)? {
        Some(statement) => client.update(&*statement, None, args),
        None => client.update(sql, None, args),
    }
}

/// Runs a read-only statement, prepared on first use in this backend.
pub fn select<'conn>(
    client: &SpiClient<'conn>,
    sql: &str,
    args: &[DatumWithOid<'_>],
) -> SpiResult<SpiTupleTable<'conn>> {
    match prepared(client, sql, args, false)? {
        Some(statement) => client.select(&*statement, None, args),
        None => client.select(sql, None, args),
    }
}

fn prepared(
    client: &SpiClient<'_>,
    sql: &str,
    args: &[DatumWithOid<'_>],
    writes: bool,
) -> SpiResult<Option<Rc<OwnedPreparedStatement>>> {
    let types: Vec<Oid> = args.iter().map(DatumWithOid::oid).collect();
    let key = (sql.to_string(), types);
    // The borrow ends before any SQL runs, so an error raised while preparing leaves the cache
    // usable.
    let (found, full) = CACHE.with(|c| {
        let c = c.borrow();
        (c.get(&key).cloned(), c.len() >= CAPACITY)
    });
    if found.is_some() || full {
        return Ok(found);
    }
    let oids: Vec<PgOid> = key.1.iter().map(|&o| PgOid::from(o)).collect();
    let statement = if writes {
        client.prepare_mut(sql, &oids)?
    } else {
        client.prepare(sql, &oids)?
    };
    let statement = Rc::new(statement.keep());
    CACHE.with(|c| c.borrow_mut().insert(key, Rc::clone(&statement)));
    Ok(Some(statement))
}
