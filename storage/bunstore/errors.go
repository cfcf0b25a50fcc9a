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
	errLockWaitTimeout    = 1205 // ER_LOCK_WAIT_TIMEOUT: runInTx runs the transaction again
	errDeadlock           = 1213 // ER_LOCK_DEADLOCK: InnoDB rolled the transaction back; runInTx runs it again
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

// transient holds the server errors that may go away if the request is
// tried again later.
var transient = map[uint16]bool{
	1040: true, // ER_CON_COUNT_ERROR: too many connections
	1053: true, // ER_SERVER_SHUTDOWN
	1205: true, // ER_LOCK_WAIT_TIMEOUT
	1213: true, // ER_LOCK_DEADLOCK
	1290: true, // ER_OPTION_PREVENTS_STATEMENT: --read-only
	1317: true, // ER_QUERY_INTERRUPTED
	1836: true, // ER_READ_ONLY_MODE
	1927: true, // ER_CONNECTION_KILLED (MariaDB)
	1969: true, // ER_STATEMENT_TIMEOUT (MariaDB max_statement_time)
	3024: true, // ER_QUERY_TIMEOUT (MySQL max_execution_time)
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
		switch {
		case invalidValue[me.Number]:
			return fmt.Errorf("bunstore: %s: %w", me.Message, commerce.ErrInvalid)
		case me.Number == errDeadlock || me.Number == errLockWaitTimeout:
			return &abortedError{fmt.Sprintf("bunstore: MySQL error %d: %s: %v", me.Number, me.Message, commerce.ErrUnavailable)}
		}
		return fmt.Errorf("bunstore: MySQL error %d: %s: %w", me.Number, me.Message, commerce.ErrUnavailable)
	}
	return unavailable(err)
}

// abortedError is a deadlock or a lock wait timeout, translated: InnoDB
// gave up on a statement (and, for a deadlock, rolled the whole
// transaction back), but running the transaction again may succeed. It
// wraps commerce.ErrUnavailable; the store's transactions look for it to
// run again.
type abortedError struct{ msg string }

func (e *abortedError) Error() string { return e.msg }

// Unwrap makes errors.Is(err, commerce.ErrUnavailable) true.
func (e *abortedError) Unwrap() error { return commerce.ErrUnavailable }

// aborted reports whether err, translated or not, is a deadlock or a lock
// wait timeout.
func aborted(err error) bool {
	var a *abortedError
	return errors.As(err, &a) || isErrno(err, errDeadlock, errLockWaitTimeout)
}

// ended returns err, an error of the engine, with the end of ctx added when
// ctx has ended and err is a commerce.ErrUnavailable that does not say so.
// translate sees only the driver's error, and once a context has ended
// database/sql reports some failures in its own words — a COMMIT after it
// rolled the transaction back is sql.ErrTxDone — while a transaction that
// stopped retrying a deadlock because its context ended reports the
// deadlock. Errors of other kinds come back as they are: the work failed
// for a reason of its own.
func ended(ctx context.Context, err error) error {
	ctxErr := ctx.Err()
	if ctxErr == nil || !errors.Is(err, commerce.ErrUnavailable) || errors.Is(err, ctxErr) {
		return err
	}
	return fmt.Errorf("%w: %w", err, ctxErr)
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

// ErrDenied means that the database server turned the connection down for
// a reason that waiting will not cure: a wrong user or password, a
// database that does not exist or that the user may not use, a client host
// the server does not accept, an account that is locked or whose password
// expired, an authentication method the driver will not use. The error
// that wraps it carries the server's message, which names the user and the
// host but never the password.
//
// It wraps commerce.ErrInvalid, the kind of a malformed DSN: the
// connection settings are wrong, so only whoever set them can fix them,
// and a caller that retries while the database starts up (on
// commerce.ErrUnavailable) gives up at once. New and Ping return it; a
// request that meets the same refusal while the store runs (the password
// was changed under a running server) fails with commerce.ErrUnavailable
// instead, since its client can do nothing about it.
var ErrDenied = fmt.Errorf("bunstore: the database server denies the connection (%w)", commerce.ErrInvalid)

// denied holds the server errors of connecting that no retry cures.
var denied = map[uint16]bool{
	1044: true, // ER_DBACCESS_DENIED_ERROR: the user may not use the database
	1045: true, // ER_ACCESS_DENIED_ERROR: wrong user or password
	1049: true, // ER_BAD_DB_ERROR: unknown database
	1129: true, // ER_HOST_IS_BLOCKED: until an operator runs flush-hosts
	1130: true, // ER_HOST_NOT_PRIVILEGED: the host may not connect
	1251: true, // ER_NOT_SUPPORTED_AUTH_MODE
	1698: true, // ER_ACCESS_DENIED_NO_PASSWORD_ERROR: unknown user, or one that needs another method
	1820: true, // ER_MUST_CHANGE_PASSWORD
	1862: true, // ER_MUST_CHANGE_PASSWORD_LOGIN: the password expired
	3118: true, // ER_ACCOUNT_HAS_BEEN_LOCKED (MySQL)
	4151: true, // ER_ACCOUNT_HAS_BEEN_LOCKED (MariaDB)
}

// deniedByDriver holds the driver's own errors of connecting that no retry
// cures: the server asks for something the DSN does not allow or the
// driver does not speak.
var deniedByDriver = []error{
	mysql.ErrNoTLS, mysql.ErrCleartextPassword, mysql.ErrNativePassword,
	mysql.ErrOldPassword, mysql.ErrUnknownPlugin, mysql.ErrOldProtocol,
}

// connectError translates an error met while connecting, as New and Ping
// do: ErrDenied for a refusal that lasts, and otherwise (the server does
// not answer, is starting, has too many connections)
// commerce.ErrUnavailable. translate, for the requests of a running store,
// keeps every refusal commerce.ErrUnavailable.
func connectError(err error) error {
	var me *mysql.MySQLError
	if errors.As(err, &me) && denied[me.Number] {
		return fmt.Errorf("%w: MySQL error %d: %s", ErrDenied, me.Number, me.Message)
	}
	for _, d := range deniedByDriver {
		if errors.Is(err, d) {
			return fmt.Errorf("%w: %v", ErrDenied, d)
		}
	}
	return unavailable(err)
}
