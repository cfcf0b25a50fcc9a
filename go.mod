module github.com/impactmuseum/commerce

go 1.26.0

require (
	github.com/google/uuid v1.6.0
	github.com/shopspring/decimal v1.6.0
	golang.org/x/text v0.44.0
)
