package handlers

import (
	_ "embed"
	"net/http"

	"github.com/gin-gonic/gin"
)

// openAPISpec is the contract of the JSON API, the exports and the probes:
// OpenAPI 3.0, validated against real responses by openapi_test.go.
//
//go:embed openapi.yaml
var openAPISpec []byte

// OpenAPISpec returns the embedded OpenAPI document (YAML).
func OpenAPISpec() []byte { return append([]byte(nil), openAPISpec...) }

// openAPIMediaType is the registered media type of YAML (RFC 9512).
const openAPIMediaType = "application/yaml"

// getOpenAPI serves the OpenAPI document. conditionalGET gives it its ETag
// and Cache-Control like any other API answer.
func (h *Handler) getOpenAPI(c *gin.Context) {
	c.Header("X-Content-Type-Options", "nosniff")
	c.Data(http.StatusOK, openAPIMediaType, openAPISpec)
}
