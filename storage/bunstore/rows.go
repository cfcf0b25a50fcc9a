package bunstore

import (
	"database/sql/driver"
	"fmt"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/impactmuseum/commerce"
)

// binID stores a uuid.UUID as its 16 bytes in a BINARY(16) column.
// (uuid.UUID's own Value writes the 36-character text form.) Because ids
// are UUIDv7, byte order is creation order.
type binID uuid.UUID

// Value writes the id's 16 bytes.
func (id binID) Value() (driver.Value, error) { return id[:], nil }

// Scan reads 16 bytes.
func (id *binID) Scan(src any) error {
	b, ok := src.([]byte)
	if !ok || len(b) != len(id) {
		return fmt.Errorf("bunstore: an id column holds %T of length %d, want 16 bytes", src, len(b))
	}
	copy(id[:], b)
	return nil
}

// nullBinID is an optional id in a nullable BINARY(16) column: uuid.Nil
// is NULL. It is a value, not a pointer, because bun writes a nil pointer
// as DEFAULT rather than NULL.
type nullBinID uuid.UUID

// Value writes NULL for uuid.Nil and the id's 16 bytes otherwise.
func (id nullBinID) Value() (driver.Value, error) {
	if uuid.UUID(id) == uuid.Nil {
		return nil, nil
	}
	return id[:], nil
}

// Scan reads NULL as uuid.Nil, and 16 bytes.
func (id *nullBinID) Scan(src any) error {
	if src == nil {
		*id = nullBinID(uuid.Nil)
		return nil
	}
	return (*binID)(id).Scan(src)
}

// amountOut returns an amount read from DECIMAL(19,4) in the canonical form
// of commerce.Money: exactly the currency's digits, so that 15000 KRW reads
// back as 15000, not 15000.0000, and equals the value written.
func amountOut(d decimal.Decimal, currency string) decimal.Decimal {
	digits, _ := commerce.CurrencyDigits(currency)
	return d.Round(digits)
}
