package node_test

import (
	"crypto/sha1"
	"encoding/base64"
)

func digest(userPass string) string {
	h := sha1.Sum([]byte(userPass))
	return base64.StdEncoding.EncodeToString(h[:])
}
