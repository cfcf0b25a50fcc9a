package commerce_test

import (
	"errors"
	"testing"

	"github.com/impactmuseum/commerce"
)

func TestActorRequireStaff(t *testing.T) {
	signIn := errors.New("sign in")
	staffOnly := errors.New("staff only")
	id := commerce.NewID()
	for _, tc := range []struct {
		name  string
		actor commerce.Actor
		want  error
	}{
		{"visitor", commerce.Anonymous, signIn},
		{"guest session", commerce.Actor{SessionID: "guest"}, signIn},
		{"staff flag without a user", commerce.Actor{Staff: true}, signIn},
		{"customer", commerce.UserActor(id), staffOnly},
		{"customer with a session", commerce.Actor{UserID: id, SessionID: "s"}, staffOnly},
		{"staff", commerce.StaffActor(id), nil},
		{"staff with a session", commerce.Actor{UserID: id, Staff: true, SessionID: "s"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.actor.RequireStaff(signIn, staffOnly); got != tc.want {
				t.Errorf("RequireStaff = %v, want %v", got, tc.want)
			}
		})
	}
}
