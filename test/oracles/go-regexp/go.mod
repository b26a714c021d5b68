module kmmhub.local/go-regexp-oracle

go 1.25
