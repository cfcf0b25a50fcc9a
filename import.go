package commerce

import (
	"crypto/sha256"
	"encoding/binary"
	"time"

	"github.com/google/uuid"
)

// ImportOutcome is what an import did with one record.
type ImportOutcome uint8

const (
	// ImportCreated: the record was new and is now stored.
	ImportCreated ImportOutcome = iota + 1
	// ImportUpdated: a record with its id was stored and differed; it now
	// holds the imported values.
	ImportUpdated
	// ImportUnchanged: a record with its id was stored with the same
	// values; nothing was written.
	ImportUnchanged
	// ImportSkipped: the record was refused; ImportResult.Err says why.
	ImportSkipped
	// ImportKept: a record with its id was stored and differed, but the
	// shop changed it after the imported record's last change (its
	// UpdatedAt is later): the shop's record is kept as it is. So an
	// import run again after the shop opened never takes back what staff
	// or customers changed since.
	ImportKept
)

func (o ImportOutcome) String() string {
	switch o {
	case ImportCreated:
		return "created"
	case ImportUpdated:
		return "updated"
	case ImportUnchanged:
		return "unchanged"
	case ImportSkipped:
		return "skipped"
	case ImportKept:
		return "kept"
	}
	return "unknown"
}

// ImportResult is the outcome of one record of an import batch. Err, set
// exactly when Outcome is ImportSkipped, says why: a *ValidationError
// naming the field, or an error wrapping ErrNotFound (a reference to a
// record that is not there) or ErrConflict (a unique name or address
// another record holds).
type ImportResult struct {
	Outcome ImportOutcome
	Err     error
}

// ImportBatchSize is the largest number of records a service's import
// writes in one transaction: a batch of records is written in
// transactions of at most this many, each all or nothing.
const ImportBatchSize = 500

// ImportedID returns the id an import gives the record that source names
// (for example "products_product:42"), made at time at: a UUIDv7 whose
// timestamp is at's millisecond and whose next 12 bits are at's
// microsecond within it, so that ids sort as the records' times do, and
// whose remaining 62 bits come from a SHA-256 of source, so that every run
// gives a record the same id. UUIDv7 counts from 1970: records made before
// it do not sort by time.
func ImportedID(at time.Time, source string) uuid.UUID {
	at = at.UTC()
	ms := at.UnixMilli()
	micro := uint64(at.Nanosecond()/1000) % 1000
	sum := sha256.Sum256([]byte(source))
	var id uuid.UUID
	binary.BigEndian.PutUint64(id[0:8], uint64(ms)<<16|0x7000|micro)
	copy(id[8:], sum[:8])
	id[8] = id[8]&0x3f | 0x80 // RFC 9562 variant
	return id
}

// CheckImportTime checks a time a record of an import carries, for the
// services' import methods: required, and between the years 1000 and 9999,
// which MySQL's DATETIME holds; a problem is added to bad on field. It
// puts *t in UTC at microsecond precision, the precision every store
// keeps, so that a record read back compares equal to the one imported.
func CheckImportTime(bad *ValidationError, field string, t *time.Time) {
	if t.IsZero() {
		bad.Add(field, "required")
		return
	}
	*t = t.UTC().Truncate(time.Microsecond)
	if y := t.Year(); y < 1000 || y > 9999 {
		bad.Add(field, "must be between the years 1000 and 9999")
	}
}
