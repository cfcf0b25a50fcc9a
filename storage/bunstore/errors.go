package bunstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-sql-driver/mysql"

	"github.com/impactmuseum/commerce"
)

// MySQL and MariaDB error numbers that mean something to the engine.
const (
	errDupEntry           = 1062 // ER_DUP_ENTRY
	errRowIsReferenced    = 1451 // ER_ROW_IS_REFERENCED_2: a delete hit ON DELETE RESTRICT
	errRowIsReferencedOld = 1217 // ER_ROW_IS_REFERENCED
	errNoReferencedRow    = 1452 // ER_NO_REFERENCED_ROW_2: a foreign key names no row
	errNoReferencedRowOld = 1216 // ER_NO_REFERENCED_ROW
	errNoSuchTable        = 1146 // ER_NO_SUCH_TABLE
)

// invalidValue holds the errors a strict session raises for a value that
// does not fit its column: the input was wrong, not the database.
var invalidValue = map[uint16]bool{
	1048: true, // ER_BAD_NULL_ERROR
	1264: true, // ER_WARN_DATA_OUT_OF_RANGE
	1265: true, // WARN_DATA_TRUNCATED
	1292: true, // ER_TRUNCATED_WRONG_VALUE
	1366: true, // ER_TRUNCATED_WRONG_VALUE_FOR_FIELD
	1406: true, // ER_DATA_TOO_LONG
	3819: true, // ER_CHECK_CONSTRAINT_VIOLATED (MySQL)
	4025: true, // ER_CONSTRAINT_FAILED (MariaDB)
}

// mysqlErrno returns the server's error number, if err carries one.
func mysqlErrno(err error) (uint16, bool) {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number, true
	}
	return 0, false
}

// isErrno reports whether err is a server error with one of numbers.
func isErrno(err error, numbers ...uint16) bool {
	n, ok := mysqlErrno(err)
	if !ok {
		return false
	}
	for _, want := range numbers {
		if n == want {
			return true
		}
	}
	return false
}

// translate turns a database error that has no meaning for the domain into
// one of the engine's kinds. The driver's error is kept as text only, so
// that no caller comes to depend on the driver's types.
//
// A value that does not fit its column is commerce.ErrInvalid. Everything
// else — a refused or lost connection, a timeout, a deadlock, a server
// that is read-only or shutting down — is commerce.ErrUnavailable: the
// request did not go through and may succeed later.
func translate(err error) error {
	if err == nil {
		return nil
	}
	for _, ctxErr := range []error{context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, ctxErr) {
			return fmt.Errorf("bunstore: %w: %w", commerce.ErrUnavailable, ctxErr)
		}
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		if invalidValue[me.Number] {
			return fmt.Errorf("bunstore: %s: %w", me.Message, commerce.ErrInvalid)
		}
		return fmt.Errorf("bunstore: MySQL error %d: %s: %w", me.Number, me.Message, commerce.ErrUnavailable)
	}
	return unavailable(err)
}

// unavailable reports that the database did not do what was asked.
func unavailable(err error) error {
	for _, ctxErr := range []error{context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, ctxErr) {
			return fmt.Errorf("bunstore: %w: %w", commerce.ErrUnavailable, ctxErr)
		}
	}
	return fmt.Errorf("bunstore: %v: %w", err, commerce.ErrUnavailable)
}
