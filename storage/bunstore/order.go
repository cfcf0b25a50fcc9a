package bunstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/order"
)

// Orders returns the repository of orders and address books. Inside a
// checkout, the order.Tx's Orders is the same repository on the
// transaction.
func (s *Store) Orders() order.Repository { return s.orders }

// orderRepo is the orders and address books; db is the *bun.DB or, inside
// a transaction, the bun.Tx.
type orderRepo struct {
	db bun.IDB
}

var _ order.Repository = (*orderRepo)(nil)

// Names of the unique indexes of orders, as a duplicate-key error names
// them.
const (
	keyOrderNumber         = "orders_number_key"
	keyOrderIdempotencyKey = "orders_user_id_idempotency_key"
)

// ---- rows ----

type orderRow struct {
	bun.BaseModel `bun:"table:orders,alias:o"`

	ID               binID           `bun:"id,pk"`
	Number           string          `bun:"number"`
	UserID           binID           `bun:"user_id"`
	Status           string          `bun:"status"`
	SubtotalAmount   decimal.Decimal `bun:"subtotal_amount"`
	SubtotalCurrency string          `bun:"subtotal_currency"`
	TotalAmount      decimal.Decimal `bun:"total_amount"`
	TotalCurrency    string          `bun:"total_currency"`
	// The address is a copy; AddressID and AddressCreatedAt name the
	// address book entry it was copied from, and are NULL when it was
	// typed in at checkout.
	AddressID        nullBinID    `bun:"address_id"`
	AddressRecipient string       `bun:"address_recipient"`
	AddressPhone     string       `bun:"address_phone"`
	AddressLine1     string       `bun:"address_line1"`
	AddressLine2     string       `bun:"address_line2"`
	AddressCity      string       `bun:"address_city"`
	AddressZipcode   string       `bun:"address_zipcode"`
	AddressNote      string       `bun:"address_note"`
	AddressCreatedAt sql.NullTime `bun:"address_created_at"`
	PaymentMethod    string       `bun:"payment_method"`
	PaymentRef       string       `bun:"payment_ref"`
	IdempotencyKey   string       `bun:"idempotency_key"`
	RequestHash      string       `bun:"request_hash"`
	PlacedAt         time.Time    `bun:"placed_at"`
	UpdatedAt        time.Time    `bun:"updated_at"`
	Version          int64        `bun:"version"`
}

const orderColumns = "o.id, o.number, o.user_id, o.status, o.subtotal_amount, o.subtotal_currency, " +
	"o.total_amount, o.total_currency, o.address_id, o.address_recipient, o.address_phone, o.address_line1, " +
	"o.address_line2, o.address_city, o.address_zipcode, o.address_note, o.address_created_at, " +
	"o.payment_method, o.payment_ref, o.idempotency_key, o.request_hash, o.placed_at, o.updated_at, o.version"

type orderLineRow struct {
	bun.BaseModel `bun:"table:order_lines,alias:ol"`

	OrderID           binID           `bun:"order_id,pk"`
	LineNo            int             `bun:"line_no,pk"`
	ProductID         binID           `bun:"product_id"`
	Name              string          `bun:"name"`
	UnitPriceAmount   decimal.Decimal `bun:"unit_price_amount"`
	UnitPriceCurrency string          `bun:"unit_price_currency"`
	Quantity          int             `bun:"quantity"`
	LineTotalAmount   decimal.Decimal `bun:"line_total_amount"`
	LineTotalCurrency string          `bun:"line_total_currency"`
}

const orderLineColumns = "ol.order_id, ol.line_no, ol.product_id, ol.name, ol.unit_price_amount, " +
	"ol.unit_price_currency, ol.quantity, ol.line_total_amount, ol.line_total_currency"

type addressRow struct {
	bun.BaseModel `bun:"table:addresses,alias:a"`

	ID        binID     `bun:"id,pk"`
	UserID    binID     `bun:"user_id"`
	Recipient string    `bun:"recipient"`
	Phone     string    `bun:"phone"`
	Line1     string    `bun:"line1"`
	Line2     string    `bun:"line2"`
	City      string    `bun:"city"`
	Zipcode   string    `bun:"zipcode"`
	Note      string    `bun:"note"`
	CreatedAt time.Time `bun:"created_at"`
}

const addressColumns = "a.id, a.user_id, a.recipient, a.phone, a.line1, a.line2, a.city, a.zipcode, a.note, a.created_at"

// orderIn returns the rows of o; an order whose Version is not set is
// stored at version 1, an order just placed.
func orderIn(o order.Order) (*orderRow, []orderLineRow) {
	a := o.Address
	row := &orderRow{
		ID: binID(o.ID), Number: o.Number, UserID: binID(o.UserID), Status: string(o.Status),
		SubtotalAmount: o.Subtotal.Amount, SubtotalCurrency: o.Subtotal.Currency,
		TotalAmount: o.Total.Amount, TotalCurrency: o.Total.Currency,
		AddressID: nullBinID(a.ID), AddressRecipient: a.Recipient, AddressPhone: a.Phone,
		AddressLine1: a.Line1, AddressLine2: a.Line2, AddressCity: a.City, AddressZipcode: a.Zipcode, AddressNote: a.Note,
		AddressCreatedAt: sql.NullTime{Time: a.CreatedAt.UTC(), Valid: !a.CreatedAt.IsZero()},
		PaymentMethod:    string(o.PaymentMethod), PaymentRef: o.PaymentRef,
		IdempotencyKey: o.IdempotencyKey, RequestHash: o.RequestHash,
		PlacedAt: o.PlacedAt.UTC(), UpdatedAt: o.UpdatedAt.UTC(), Version: max(o.Version, 1),
	}
	lines := make([]orderLineRow, len(o.Lines))
	for i, l := range o.Lines {
		lines[i] = orderLineRow{
			OrderID: binID(o.ID), LineNo: i + 1, ProductID: binID(l.ProductID), Name: l.Name,
			UnitPriceAmount: l.UnitPrice.Amount, UnitPriceCurrency: l.UnitPrice.Currency, Quantity: l.Quantity,
			LineTotalAmount: l.LineTotal.Amount, LineTotalCurrency: l.LineTotal.Currency,
		}
	}
	return row, lines
}

// out returns the order without its lines (an empty list).
func (r *orderRow) out() order.Order {
	o := order.Order{
		ID: uuid.UUID(r.ID), Number: r.Number, UserID: uuid.UUID(r.UserID), Status: order.Status(r.Status),
		Lines:    []order.Line{},
		Subtotal: money(r.SubtotalAmount, r.SubtotalCurrency),
		Total:    money(r.TotalAmount, r.TotalCurrency),
		Address: order.Address{
			ID: uuid.UUID(r.AddressID), UserID: uuid.UUID(r.UserID), Recipient: r.AddressRecipient, Phone: r.AddressPhone,
			Line1: r.AddressLine1, Line2: r.AddressLine2, City: r.AddressCity, Zipcode: r.AddressZipcode, Note: r.AddressNote,
		},
		PaymentMethod: order.PaymentMethod(r.PaymentMethod), PaymentRef: r.PaymentRef,
		IdempotencyKey: r.IdempotencyKey, RequestHash: r.RequestHash,
		PlacedAt: r.PlacedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), Version: r.Version,
	}
	if r.AddressCreatedAt.Valid {
		o.Address.CreatedAt = r.AddressCreatedAt.Time.UTC()
	}
	return o
}

func (r *orderLineRow) out() order.Line {
	return order.Line{
		ProductID: uuid.UUID(r.ProductID), Name: r.Name,
		UnitPrice: money(r.UnitPriceAmount, r.UnitPriceCurrency), Quantity: r.Quantity,
		LineTotal: money(r.LineTotalAmount, r.LineTotalCurrency),
	}
}

// money returns an amount read from DECIMAL(19,4) in canonical form.
func money(amount decimal.Decimal, currency string) commerce.Money {
	return commerce.Money{Amount: amountOut(amount, currency), Currency: currency}
}

func addressIn(a order.Address) *addressRow {
	return &addressRow{
		ID: binID(a.ID), UserID: binID(a.UserID), Recipient: a.Recipient, Phone: a.Phone,
		Line1: a.Line1, Line2: a.Line2, City: a.City, Zipcode: a.Zipcode, Note: a.Note, CreatedAt: a.CreatedAt.UTC(),
	}
}

func (r *addressRow) out() order.Address {
	return order.Address{
		ID: uuid.UUID(r.ID), UserID: uuid.UUID(r.UserID), Recipient: r.Recipient, Phone: r.Phone,
		Line1: r.Line1, Line2: r.Line2, City: r.City, Zipcode: r.Zipcode, Note: r.Note, CreatedAt: r.CreatedAt.UTC(),
	}
}

// ---- orders ----

// CreateOrder inserts the order (at version 1 when o.Version is not
// set), then its lines (one multi-row INSERT) and the events ctx carries,
// in a transaction of its own unless it runs in one. The unique indexes
// decide duplicates, so of concurrent checkouts with one key exactly one
// order is stored.
func (r *orderRepo) CreateOrder(ctx context.Context, o order.Order) error {
	row, lines := orderIn(o)
	return inTx(ctx, r.db, func(ctx context.Context, tx bun.IDB) error {
		if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
			return orderWriteError(ctx, tx, err, o)
		}
		if len(lines) > 0 {
			if _, err := tx.NewInsert().Model(&lines).Exec(ctx); err != nil {
				return translate(err)
			}
		}
		return storeEvents(ctx, tx)
	})
}

// orderWriteError translates the error of an INSERT of an orders row.
func orderWriteError(ctx context.Context, db bun.IDB, err error, o order.Order) error {
	switch {
	case isErrno(err, errNoReferencedRow, errNoReferencedRowOld):
		return account.ErrUserNotFound
	case !isErrno(err, errDupEntry):
		return translate(err)
	}
	switch duplicateKey(err) {
	case keyOrderNumber:
		return order.ErrDuplicateNumber
	case keyOrderIdempotencyKey, keyPrimary:
		// A taken id, which UUIDv7 makes all but impossible, is
		// answered as memstore answers it.
		return order.ErrDuplicateKey
	}
	// A message in a wording duplicateKey does not read. A locking read
	// sees the order that holds the key even when the transaction's
	// snapshot is older than it.
	var one int
	qerr := db.NewRaw("SELECT 1 FROM orders WHERE user_id = ? AND idempotency_key = ? FOR UPDATE",
		binID(o.UserID), o.IdempotencyKey).Scan(ctx, &one)
	switch {
	case qerr == nil:
		return order.ErrDuplicateKey
	case errors.Is(qerr, sql.ErrNoRows):
		return order.ErrDuplicateNumber
	}
	return translate(qerr)
}

// GetOrder reads the order, then its lines: two queries.
func (r *orderRepo) GetOrder(ctx context.Context, id uuid.UUID) (order.Order, error) {
	return r.getOrder(ctx, "o.id = ?", binID(id))
}

// GetOrderByKey reads through the unique (user_id, idempotency_key) index.
func (r *orderRepo) GetOrderByKey(ctx context.Context, userID uuid.UUID, key string) (order.Order, error) {
	return r.getOrder(ctx, "o.user_id = ? AND o.idempotency_key = ?", binID(userID), key)
}

func (r *orderRepo) getOrder(ctx context.Context, where string, args ...any) (order.Order, error) {
	var rows []orderRow
	if err := r.db.NewSelect().Model(&rows).ColumnExpr(orderColumns).Where(where, args...).Scan(ctx); err != nil {
		return order.Order{}, translate(err)
	}
	if len(rows) == 0 {
		return order.Order{}, order.ErrOrderNotFound
	}
	orders, err := r.withLines(ctx, rows)
	if err != nil {
		return order.Order{}, err
	}
	return orders[0], nil
}

// ListOrders reads a page of orders in one query and all their lines in a
// second, whatever the number of orders.
func (r *orderRepo) ListOrders(ctx context.Context, q order.Query) ([]order.Order, error) {
	if q.Limit < 1 {
		return []order.Order{}, nil
	}
	var rows []orderRow
	sel := r.db.NewSelect().Model(&rows).ColumnExpr(orderColumns)
	if q.UserID != uuid.Nil {
		sel = sel.Where("o.user_id = ?", binID(q.UserID))
	}
	if q.Status != "" {
		sel = sel.Where("o.status = ?", string(q.Status))
	}
	if q.Before != uuid.Nil {
		sel = sel.Where("o.id < ?", binID(q.Before))
	}
	if err := sel.OrderExpr("o.id DESC").Limit(int64(q.Limit)).Scan(ctx); err != nil {
		return nil, translate(err)
	}
	return r.withLines(ctx, rows)
}

// withLines returns the orders of rows with their lines, read in one query.
func (r *orderRepo) withLines(ctx context.Context, rows []orderRow) ([]order.Order, error) {
	out := make([]order.Order, len(rows))
	if len(rows) == 0 {
		return out, nil
	}
	ids := make([]binID, len(rows))
	index := make(map[binID]int, len(rows))
	for i := range rows {
		out[i] = rows[i].out()
		ids[i] = rows[i].ID
		index[rows[i].ID] = i
	}
	var lines []orderLineRow
	err := r.db.NewSelect().Model(&lines).ColumnExpr(orderLineColumns).
		Where("ol.order_id IN (?)", bun.List(ids)).OrderExpr("ol.order_id ASC, ol.line_no ASC").Scan(ctx)
	if err != nil {
		return nil, translate(err)
	}
	for i := range lines {
		o := &out[index[lines[i].OrderID]]
		o.Lines = append(o.Lines, lines[i].out())
	}
	return out, nil
}

// SetStatus is one conditional UPDATE, which also increments the order's
// version. When it changes no row, a locking read — which sees the latest
// status, not the transaction's snapshot — tells a missing order from one
// that moved first. The events ctx carries are stored in the same
// transaction: the order.Tx's, or one of the UPDATE and the events' own
// (withEvents).
func (r *orderRepo) SetStatus(ctx context.Context, id uuid.UUID, from, to order.Status, at time.Time) error {
	return withEvents(ctx, r.db, func(ctx context.Context, db bun.IDB) error {
		res, err := db.NewRaw("UPDATE orders SET status = ?, updated_at = ?, version = version + 1 WHERE id = ? AND status = ?",
			string(to), at.UTC(), binID(id), string(from)).Exec(ctx)
		if err != nil {
			return translate(err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return translate(err)
		} else if n > 0 {
			return nil
		}
		var status string
		err = db.NewRaw("SELECT status FROM orders WHERE id = ? FOR UPDATE", binID(id)).Scan(ctx, &status)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return order.ErrOrderNotFound
		case err != nil:
			return translate(err)
		}
		// The version changes with every matching row, so a row that
		// changed none did not match.
		return fmt.Errorf("%w: the order is %s, not %s", order.ErrStatusConflict, status, from)
	})
}

// ---- addresses ----

func (r *orderRepo) CreateAddress(ctx context.Context, a order.Address) error {
	_, err := r.db.NewInsert().Model(addressIn(a)).Exec(ctx)
	switch {
	case isErrno(err, errNoReferencedRow, errNoReferencedRowOld):
		return account.ErrUserNotFound
	case isErrno(err, errDupEntry):
		return fmt.Errorf("bunstore: address id %s already exists: %w", a.ID, commerce.ErrConflict)
	}
	return translate(err)
}

func (r *orderRepo) GetAddress(ctx context.Context, id uuid.UUID) (order.Address, error) {
	var row addressRow
	err := r.db.NewSelect().Model(&row).ColumnExpr(addressColumns).Where("a.id = ?", binID(id)).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return order.Address{}, order.ErrAddressNotFound
	}
	if err != nil {
		return order.Address{}, translate(err)
	}
	return row.out(), nil
}

func (r *orderRepo) ListAddresses(ctx context.Context, userID uuid.UUID) ([]order.Address, error) {
	var rows []addressRow
	err := r.db.NewSelect().Model(&rows).ColumnExpr(addressColumns).
		Where("a.user_id = ?", binID(userID)).OrderExpr("a.id ASC").Scan(ctx)
	if err != nil {
		return nil, translate(err)
	}
	out := make([]order.Address, len(rows))
	for i := range rows {
		out[i] = rows[i].out()
	}
	return out, nil
}

// DeleteAddress deletes only the customer's own address: another
// customer's matches no row and is not found.
func (r *orderRepo) DeleteAddress(ctx context.Context, userID, id uuid.UUID) error {
	res, err := r.db.NewDelete().TableExpr("addresses").
		Where("id = ?", binID(id)).Where("user_id = ?", binID(userID)).Exec(ctx)
	if err != nil {
		return translate(err)
	}
	return deleted(res, order.ErrAddressNotFound)
}
