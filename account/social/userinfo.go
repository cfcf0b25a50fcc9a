package social

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/impactmuseum/commerce/account"
)

// parseGoogle reads what Google's OpenID Connect userinfo endpoint says
// ("sub", "email", "email_verified", "name"), for plain OAuth 2.0.
func parseGoogle(body []byte) (account.ExternalUser, error) {
	var v idTokenClaims
	if err := json.Unmarshal(body, &v); err != nil {
		return account.ExternalUser{}, err
	}
	if trimmed(v.Subject) == "" {
		return account.ExternalUser{}, errors.New(`no "sub"`)
	}
	return account.ExternalUser{
		Subject:       trimmed(v.Subject),
		Email:         trimmed(v.Email),
		EmailVerified: v.EmailVerified != nil && bool(*v.EmailVerified),
		Nickname:      trimmed(v.Name),
	}, nil
}

// kakaoUserInfo is what Kakao's /v2/user/me says. The id is a 64-bit
// number, beyond float64's exact integers: it is decoded as json.Number.
type kakaoUserInfo struct {
	ID           json.Number `json:"id"`
	KakaoAccount struct {
		Email string `json:"email"`
		// IsEmailValid is false for an address that has since been given
		// to someone else; absent in older answers.
		IsEmailValid    *bool `json:"is_email_valid"`
		IsEmailVerified bool  `json:"is_email_verified"`
		Profile         struct {
			Nickname string `json:"nickname"`
		} `json:"profile"`
	} `json:"kakao_account"`
	// Properties holds the nickname for applications set up before
	// kakao_account.profile existed.
	Properties struct {
		Nickname string `json:"nickname"`
	} `json:"properties"`
}

func parseKakao(body []byte) (account.ExternalUser, error) {
	var v kakaoUserInfo
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return account.ExternalUser{}, err
	}
	id, err := strconv.ParseInt(v.ID.String(), 10, 64)
	if err != nil || id <= 0 {
		return account.ExternalUser{}, fmt.Errorf(`"id" %q is not a positive whole number`, v.ID)
	}
	ka := v.KakaoAccount
	nickname := trimmed(ka.Profile.Nickname)
	if nickname == "" {
		nickname = trimmed(v.Properties.Nickname)
	}
	return account.ExternalUser{
		Subject:       strconv.FormatInt(id, 10),
		Email:         trimmed(ka.Email),
		EmailVerified: ka.IsEmailVerified && (ka.IsEmailValid == nil || *ka.IsEmailValid),
		Nickname:      nickname,
	}, nil
}

// jsonBool decodes true and false, and also "true" and "false" as some
// OpenID providers send them.
type jsonBool bool

func (b *jsonBool) UnmarshalJSON(data []byte) error {
	switch string(bytes.TrimSpace(data)) {
	case "true", `"true"`:
		*b = true
	case "false", `"false"`, "null":
		*b = false
	default:
		return fmt.Errorf("email_verified: want true or false, not %s", data)
	}
	return nil
}
