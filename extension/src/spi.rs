//! Small readers over SPI results.

use pgrx::spi::{SpiResult, SpiTupleTable};

/// The first row of a result, positioned to be read with `get`, if there is one.
pub fn first_row(table: SpiTupleTable<'_>) -> Option<SpiTupleTable<'_>> {
    (!table.is_empty()).then(|| table.first())
}

/// The first column of the first row, if there is a row.
pub fn first_i64(table: SpiTupleTable<'_>) -> SpiResult<Option<i64>> {
    match first_row(table) {
        Some(row) => row.get_one::<i64>(),
        None => Ok(None),
    }
}
