package commerce

import (
	"encoding/binary"
	"sync"
	"time"

	"github.com/google/uuid"
)

// IDGenerator makes new identifiers. Services take one through their
// options; nil means NewID.
type IDGenerator func() uuid.UUID

// NewID returns a new UUIDv7. Within one process the ids it returns
// increase strictly, so that ordering by id orders by creation.
func NewID() uuid.UUID {
	return uuid.Must(uuid.NewV7())
}

// ParseID parses the textual form of an id. It returns an error wrapping
// ErrInvalid, never the parser's own error.
func ParseID(s string) (uuid.UUID, error) {
	id, err := uuid.Parse(s)
	if err != nil || len(s) != 36 {
		return uuid.Nil, Invalid("id", "must be a UUID such as 0190f3c2-8d7a-7b2e-9c41-5a6d3e2f1b0c")
	}
	return id, nil
}

// SequentialIDs returns a deterministic generator for tests: UUIDv7-shaped
// ids whose timestamp starts at start and advances one millisecond per id,
// so that each id sorts after the last. It is safe for concurrent use.
func SequentialIDs(start time.Time) IDGenerator {
	var (
		mu sync.Mutex
		ms = start.UnixMilli()
	)
	return func() uuid.UUID {
		mu.Lock()
		t := ms
		ms++
		mu.Unlock()
		var id uuid.UUID
		binary.BigEndian.PutUint64(id[0:8], uint64(t)<<16) // 48-bit ms timestamp
		id[6] = 0x70                                       // version 7
		id[8] = 0x80                                       // RFC 4122 variant
		binary.BigEndian.PutUint32(id[12:16], uint32(t))
		return id
	}
}

// Clock returns the current time. Services take one through their options;
// nil means time.Now.
type Clock func() time.Time

// Now returns the clock's time in UTC at microsecond precision, the
// precision that every adapter stores, so that a value read back equals the
// value written.
func (c Clock) Now() time.Time {
	var t time.Time
	if c == nil {
		t = time.Now()
	} else {
		t = c()
	}
	return t.UTC().Truncate(time.Microsecond)
}

// Now is the default clock: time.Now in UTC at microsecond precision.
func Now() time.Time { return Clock(nil).Now() }
