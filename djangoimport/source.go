package djangoimport

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/go-sql-driver/mysql"
)

// The rows of the Django shop's tables, as the importer reads them. A
// column that may be NULL is a pointer or a sql.Null type; times are UTC,
// as Django stores them with USE_TZ.

type djangoUser struct {
	ID          int64
	Password    string
	IsSuperuser bool
	Username    string
	Email       string
	IsStaff     bool
	IsActive    bool
	DateJoined  time.Time
	// The customer profile, when the user has one.
	CustomerID sql.NullInt64
	Nickname   sql.NullString
	CustEmail  sql.NullString
	Problem    sql.NullString
}

type djangoSocial struct {
	ID         int64
	Provider   string
	UID        string
	DateJoined time.Time
	UserID     int64
	ExtraData  string
}

type djangoProblem struct {
	ID           int64
	Name         string
	Image        sql.NullString
	Content      string
	ShortContent sql.NullString
}

type djangoBrand struct {
	ID           int64
	Name         string
	ShortContent string
	LongContent  string
	Logo         sql.NullString
	Homepage     string
	ProblemID    int64
	Image        sql.NullString
}

type djangoProduct struct {
	ID        int64
	Name      string
	BrandID   sql.NullInt64
	Price     int64
	Images    [3]sql.NullString
	CreatedAt time.Time
	UpdatedAt time.Time
}

type djangoPost struct {
	ID        int64
	Body      string
	CreatedAt time.Time
	AuthorID  int64 // an accounts_customer id
	Category  string
	Title     string
	UpdatedAt time.Time
	TopFixed  bool
}

type djangoOrder struct {
	ID            int64
	DateOrdered   time.Time
	Complete      sql.NullBool
	TransactionID sql.NullString
	CustomerID    sql.NullInt64
}

type djangoItem struct {
	ID        int64
	Quantity  int
	DateAdded time.Time
	OrderID   sql.NullInt64
	ProductID sql.NullInt64
}

type djangoAddress struct {
	ID         int64
	Address    sql.NullString
	City       sql.NullString
	Zipcode    sql.NullString
	DateAdded  time.Time
	CustomerID sql.NullInt64
	OrderID    sql.NullInt64
}

// source reads the Django shop's database.
type source struct{ db *sql.DB }

// count returns the number of rows of table.
func (s source) count(ctx context.Context, table string) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM `"+table+"`").Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("djangoimport: counting %s: %w", table, err)
	}
	return n, nil
}

// pages calls fn with the rows of query, a SELECT whose first column is
// the table's id and which ends in "WHERE id > ? ORDER BY id LIMIT ?"
// (after any join), batch rows at a time, until they run out: it reads by
// key, so no read holds a long transaction or skips a row.
func pages[R any](ctx context.Context, s source, query string, batch int, scan func(*sql.Rows) (R, int64, error), fn func([]R) error) error {
	after := int64(0)
	for {
		rows, err := s.db.QueryContext(ctx, query, after, batch)
		if err != nil {
			return err
		}
		var page []R
		for rows.Next() {
			r, id, err := scan(rows)
			if err != nil {
				rows.Close()
				return err
			}
			page = append(page, r)
			after = id
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		if err := fn(page); err != nil {
			return err
		}
		if len(page) < batch {
			return nil
		}
	}
}

const usersQuery = "SELECT u.id, u.password, u.is_superuser, u.username, u.email, u.is_staff, u.is_active, u.date_joined, " +
	"c.id, c.name, c.email, c.problem FROM auth_user u LEFT JOIN accounts_customer c ON c.user_id = u.id " +
	"WHERE u.id > ? ORDER BY u.id LIMIT ?"

func scanUser(rows *sql.Rows) (djangoUser, int64, error) {
	var u djangoUser
	err := rows.Scan(&u.ID, &u.Password, &u.IsSuperuser, &u.Username, &u.Email, &u.IsStaff, &u.IsActive, &u.DateJoined,
		&u.CustomerID, &u.Nickname, &u.CustEmail, &u.Problem)
	return u, u.ID, err
}

// The columns of the rows that are read by their parent's ids (see
// socialAccounts and orderParts).
const (
	socialColumns  = "id, provider, uid, date_joined, user_id, extra_data"
	itemColumns    = "id, quantity, date_added, order_id, product_id"
	addressColumns = "id, address, city, zipcode, date_added, customer_id, order_id"
)

func scanSocial(rows *sql.Rows) (djangoSocial, int64, error) {
	var a djangoSocial
	err := rows.Scan(&a.ID, &a.Provider, &a.UID, &a.DateJoined, &a.UserID, &a.ExtraData)
	return a, a.ID, err
}

const problemsQuery = "SELECT id, name, image, content, short_content FROM posts_problem WHERE id > ? ORDER BY id LIMIT ?"

func scanProblem(rows *sql.Rows) (djangoProblem, int64, error) {
	var p djangoProblem
	err := rows.Scan(&p.ID, &p.Name, &p.Image, &p.Content, &p.ShortContent)
	return p, p.ID, err
}

const brandsQuery = "SELECT id, name, short_content, long_content, logo, homepage, problem_id, image FROM posts_brand " +
	"WHERE id > ? ORDER BY id LIMIT ?"

func scanBrand(rows *sql.Rows) (djangoBrand, int64, error) {
	var b djangoBrand
	err := rows.Scan(&b.ID, &b.Name, &b.ShortContent, &b.LongContent, &b.Logo, &b.Homepage, &b.ProblemID, &b.Image)
	return b, b.ID, err
}

const productsQuery = "SELECT id, product_name, brand_id, price, image, image2, image3, created_at, updated_at " +
	"FROM products_product WHERE id > ? ORDER BY id LIMIT ?"

func scanProduct(rows *sql.Rows) (djangoProduct, int64, error) {
	var p djangoProduct
	err := rows.Scan(&p.ID, &p.Name, &p.BrandID, &p.Price, &p.Images[0], &p.Images[1], &p.Images[2], &p.CreatedAt, &p.UpdatedAt)
	return p, p.ID, err
}

const postsQuery = "SELECT id, body, created_at, author_id, category, title, updated_at, top_fixed FROM posts_post " +
	"WHERE id > ? ORDER BY id LIMIT ?"

func scanPost(rows *sql.Rows) (djangoPost, int64, error) {
	var p djangoPost
	err := rows.Scan(&p.ID, &p.Body, &p.CreatedAt, &p.AuthorID, &p.Category, &p.Title, &p.UpdatedAt, &p.TopFixed)
	return p, p.ID, err
}

const ordersQuery = "SELECT id, date_ordered, complete, transaction_id, customer_id FROM products_order " +
	"WHERE id > ? ORDER BY id LIMIT ?"

func scanOrder(rows *sql.Rows) (djangoOrder, int64, error) {
	var o djangoOrder
	err := rows.Scan(&o.ID, &o.DateOrdered, &o.Complete, &o.TransactionID, &o.CustomerID)
	return o, o.ID, err
}

func scanItem(rows *sql.Rows) (djangoItem, int64, error) {
	var it djangoItem
	err := rows.Scan(&it.ID, &it.Quantity, &it.DateAdded, &it.OrderID, &it.ProductID)
	return it, it.ID, err
}

func scanAddress(rows *sql.Rows) (djangoAddress, int64, error) {
	var a djangoAddress
	err := rows.Scan(&a.ID, &a.Address, &a.City, &a.Zipcode, &a.DateAdded, &a.CustomerID, &a.OrderID)
	return a, a.ID, err
}

// Open opens the Django shop's MySQL database named by dsn (the driver's
// form: user:password@tcp(host:3306)/name), with the settings Import
// reads by: times as time.Time in UTC, and utf8mb4. It checks that the
// database answers.
func Open(ctx context.Context, dsn string) (*sql.DB, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("djangoimport: the Django database's DSN: %w", err)
	}
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("djangoimport: the Django database's DSN: %w", err)
	}
	db := sql.OpenDB(connector)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("djangoimport: reaching the Django database: %w", err)
	}
	return db, nil
}
