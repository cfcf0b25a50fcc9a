package bunstore_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadmeSchema keeps the schema in README.md the one that New applies.
func TestReadmeSchema(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("migrations/*.up.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no migrations found: %v", err)
	}
	for _, f := range files {
		sql, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(readme), string(sql)) {
			t.Errorf("README.md does not show %s as it is", f)
		}
	}
}
