package djangoimport

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/board"
	"github.com/impactmuseum/commerce/cart"
	"github.com/impactmuseum/commerce/order"
)

func (im *importer) importPosts(ctx context.Context) error {
	total, err := im.src.count(ctx, "posts_post")
	if err != nil {
		return err
	}
	done := 0
	return pages(ctx, im.src, postsQuery, commerce.ImportBatchSize, scanPost, func(rows []djangoPost) error {
		var batch []board.Post
		var sources []string
		for _, r := range rows {
			im.report.Counts[KindPosts].Read++
			src := sourceOf("posts_post", r.ID)
			author, ok := im.customers[r.AuthorID]
			if !ok {
				im.report.skip(KindPosts, src, fmt.Sprintf("its author (accounts_customer:%d) was not imported", r.AuthorID))
				continue
			}
			created, updated := r.CreatedAt.UTC().Truncate(time.Microsecond), r.UpdatedAt.UTC().Truncate(time.Microsecond)
			batch = append(batch, board.Post{
				ID: commerce.ImportedID(created, src), Author: board.Author{ID: author}, Title: r.Title,
				Category: board.Category(strings.ToUpper(strings.TrimSpace(r.Category))), Body: r.Body,
				Pinned: r.TopFixed, CreatedAt: created, UpdatedAt: updated,
			})
			sources = append(sources, src)
		}
		results, err := im.Board.ImportPosts(ctx, batch)
		if err != nil {
			return err
		}
		im.written(KindPosts, sources, results)
		done += len(rows)
		im.progress(KindPosts, done, total)
		return nil
	})
}

// ImportedStatus is the status an imported order gets: the Django shop
// marked an order complete when it was placed and kept no payment or
// delivery state, so an order it completed is finished business.
const ImportedStatus = order.Delivered

func (im *importer) importOrders(ctx context.Context) error {
	total, err := im.src.count(ctx, "products_order")
	if err != nil {
		return err
	}
	done := 0
	return pages(ctx, im.src, ordersQuery, commerce.ImportBatchSize, scanOrder, func(rows []djangoOrder) error {
		items, addresses, err := im.orderParts(ctx, rows)
		if err != nil {
			return err
		}
		var batch []order.Order
		var sources []string
		var carts []cart.ImportedCart
		var cartSources []string
		for _, r := range rows {
			src := sourceOf("products_order", r.ID)
			if !r.Complete.Valid || !r.Complete.Bool {
				im.report.Counts[KindCarts].Read++
				if c, ok := im.openCart(src, r, items[r.ID]); ok {
					carts = append(carts, c)
					cartSources = append(cartSources, src)
				}
				continue
			}
			im.report.Counts[KindOrders].Read++
			if !r.CustomerID.Valid {
				im.report.skip(KindOrders, src, "its customer was deleted (customer_id is NULL)")
				continue
			}
			user, ok := im.customers[r.CustomerID.Int64]
			if !ok {
				im.report.skip(KindOrders, src, fmt.Sprintf("its customer (accounts_customer:%d) was not imported", r.CustomerID.Int64))
				continue
			}
			var lines []order.Line
			for _, it := range items[r.ID] {
				line := src + " " + sourceOf("products_orderitem", it.ID)
				if !it.ProductID.Valid {
					im.report.skip(KindOrders, line, "the line's product was deleted (product_id is NULL): the line is left out, as its name and price are unknown")
					continue
				}
				p, ok := im.products[it.ProductID.Int64]
				if !ok {
					im.report.skip(KindOrders, line, fmt.Sprintf("the line's product (products_product:%d) was not imported: the line is left out", it.ProductID.Int64))
					continue
				}
				if it.Quantity < 1 || it.Quantity > cart.MaxQuantity {
					im.report.skip(KindOrders, line, fmt.Sprintf("the line's quantity %d is not between 1 and %d: the line is left out", it.Quantity, cart.MaxQuantity))
					continue
				}
				lines = append(lines, order.Line{ProductID: p.id, Name: p.name, UnitPrice: p.price, Quantity: it.Quantity})
			}
			if len(lines) == 0 {
				im.report.skip(KindOrders, src, "no line of it could be imported")
				continue
			}
			placed := r.DateOrdered.UTC().Truncate(time.Microsecond)
			o := order.Order{
				ID: commerce.ImportedID(placed, src), UserID: user, Status: ImportedStatus, Lines: lines,
				PaymentRef: strings.TrimSpace(r.TransactionID.String), PlacedAt: placed, UpdatedAt: placed,
			}
			if a, ok := addresses[r.ID]; ok {
				o.Address = order.Address{
					UserID: user, Line1: strings.TrimSpace(a.Address.String), City: strings.TrimSpace(a.City.String),
					Zipcode: strings.TrimSpace(a.Zipcode.String), CreatedAt: a.DateAdded.UTC().Truncate(time.Microsecond),
				}
			}
			batch = append(batch, o)
			sources = append(sources, src)
		}
		if err := im.importCarts(ctx, cartSources, carts); err != nil {
			return err
		}
		results, err := im.Orders.ImportOrders(ctx, batch)
		if err != nil {
			return err
		}
		// Django kept the postal code as free text: one the engine does
		// not take as a postal code moves to the address's second line,
		// so the order still comes across with all the address said.
		var again []int
		for i, res := range results {
			if _, bad := commerce.FieldErrors(res.Err)["address.zipcode"]; bad && res.Outcome == commerce.ImportSkipped {
				a := &batch[i].Address
				im.report.conflict(Conflict{Kind: KindOrders, Source: sources[i], Field: "zipcode", Was: a.Zipcode, Now: "",
					Reason: "not a postal code; kept in the address's second line"})
				a.Line2 = strings.TrimSpace(a.Line2 + " " + a.Zipcode)
				a.Zipcode = ""
				again = append(again, i)
			}
		}
		if len(again) > 0 {
			retry := make([]order.Order, len(again))
			for j, i := range again {
				retry[j] = batch[i]
			}
			more, err := im.Orders.ImportOrders(ctx, retry)
			if err != nil {
				return err
			}
			for j, i := range again {
				results[i] = more[j]
			}
		}
		im.written(KindOrders, sources, results)
		done += len(rows)
		im.progress(KindOrders, done, total)
		return nil
	})
}

// orderParts reads the lines of the orders of rows, by order id, and
// each order's shipping address (the last one added, when there are
// several).
func (im *importer) orderParts(ctx context.Context, rows []djangoOrder) (map[int64][]djangoItem, map[int64]djangoAddress, error) {
	ids := inIDs(rows, func(o djangoOrder) int64 { return o.ID })
	items := map[int64][]djangoItem{}
	res, err := im.From.QueryContext(ctx, "SELECT "+itemColumns+" FROM products_orderitem WHERE order_id IN ("+
		placeholders(len(ids))+") ORDER BY id", ids...)
	if err != nil {
		return nil, nil, fmt.Errorf("reading products_orderitem: %w", err)
	}
	for res.Next() {
		it, _, err := scanItem(res)
		if err != nil {
			res.Close()
			return nil, nil, err
		}
		items[it.OrderID.Int64] = append(items[it.OrderID.Int64], it)
	}
	res.Close()
	if err := res.Err(); err != nil {
		return nil, nil, err
	}
	addresses := map[int64]djangoAddress{}
	res, err = im.From.QueryContext(ctx, "SELECT "+addressColumns+" FROM products_shippingaddress WHERE order_id IN ("+
		placeholders(len(ids))+") ORDER BY id", ids...)
	if err != nil {
		return nil, nil, fmt.Errorf("reading products_shippingaddress: %w", err)
	}
	defer res.Close()
	for res.Next() {
		a, _, err := scanAddress(res)
		if err != nil {
			return nil, nil, err
		}
		addresses[a.OrderID.Int64] = a // the last by id wins
	}
	return items, addresses, res.Err()
}

// openCart returns the cart a customer left open in Django (an order with
// complete = 0), its lines merged by product, or false when it is not
// imported (which is reported).
func (im *importer) openCart(src string, r djangoOrder, items []djangoItem) (cart.ImportedCart, bool) {
	switch {
	case !r.Complete.Valid:
		im.report.skip(KindCarts, src, "never completed nor an open cart (complete is NULL)")
		return cart.ImportedCart{}, false
	case im.Carts == nil:
		im.report.skip(KindCarts, src, "an open cart (complete = 0): carts are not imported (no cart service given)")
		return cart.ImportedCart{}, false
	case !r.CustomerID.Valid:
		im.report.skip(KindCarts, src, "an open cart whose customer was deleted")
		return cart.ImportedCart{}, false
	}
	user, ok := im.customers[r.CustomerID.Int64]
	if !ok {
		im.report.skip(KindCarts, src, fmt.Sprintf("an open cart of a customer (accounts_customer:%d) who was not imported", r.CustomerID.Int64))
		return cart.ImportedCart{}, false
	}
	c := cart.ImportedCart{UserID: user}
	at := map[uuid.UUID]int{}
	for _, it := range items {
		p, ok := im.products[it.ProductID.Int64]
		if !it.ProductID.Valid || !ok || it.Quantity < 1 {
			im.report.skip(KindCarts, src+" "+sourceOf("products_orderitem", it.ID), "the line's product is gone, or its quantity is not positive: the line is left out")
			continue
		}
		if i, ok := at[p.id]; ok {
			c.Lines[i].Quantity += it.Quantity
			continue
		}
		at[p.id] = len(c.Lines)
		c.Lines = append(c.Lines, cart.ImportedLine{ProductID: p.id, Quantity: it.Quantity, AddedAt: it.DateAdded.UTC().Truncate(time.Microsecond)})
	}
	return c, true
}

// importCarts imports the open carts of a batch of orders; sources name
// them.
func (im *importer) importCarts(ctx context.Context, sources []string, carts []cart.ImportedCart) error {
	if len(carts) == 0 {
		return nil
	}
	results, err := im.Carts.ImportCarts(ctx, carts)
	if err != nil {
		return err
	}
	im.written(KindCarts, sources, results)
	return nil
}
