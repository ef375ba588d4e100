# ネットワーク: acme-worker (バックアップ・定期ジョブ) の VPC とセキュリティグループ。
# 管理アクセスは SSM Session Manager のみ (SSH の受信ルールはない)。
# データベースは Supabase (マネージド) で、ワーカーからは外向き 5432 のみ。

variable "vpc_cidr" {
  type    = string
  default = "10.20.0.0/16"
}

resource "aws_vpc" "main" {
  cidr_block           = var.vpc_cidr
  enable_dns_hostnames = true
  tags                 = { Name = "acme-production" }
}

resource "aws_security_group" "worker" {
  name        = "acme-worker"
  description = "acme-worker: no inbound except metrics from the VPC"
  vpc_id      = aws_vpc.main.id

  ingress {
    description = "SSH for debugging (temporary)"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  ingress {
    description = "node exporter / Datadog agent checks from inside the VPC"
    from_port   = 9100
    to_port     = 9100
    protocol    = "tcp"
    cidr_blocks = [var.vpc_cidr]
  }

  egress {
    description      = "HTTPS and PostgreSQL (Supabase) out"
    from_port        = 0
    to_port          = 0
    protocol         = "-1"
    cidr_blocks      = ["0.0.0.0/0"]
    ipv6_cidr_blocks = ["::/0"]
  }
}

resource "aws_security_group" "status_page" {
  name        = "acme-status-lb"
  description = "public load balancer of the status page"
  vpc_id      = aws_vpc.main.id
}

resource "aws_vpc_security_group_ingress_rule" "status_https" {
  security_group_id = aws_security_group.status_page.id
  description       = "HTTPS from anywhere"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_ingress_rule" "status_https_v6" {
  security_group_id = aws_security_group.status_page.id
  description       = "HTTPS from anywhere (IPv6)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv6         = "::/0"
}

resource "aws_security_group_rule" "status_from_worker" {
  type                     = "ingress"
  security_group_id        = aws_security_group.status_page.id
  source_security_group_id = aws_security_group.worker.id
  protocol                 = "tcp"
  from_port                = 8080
  to_port                  = 8080
  description              = "health probe from the worker"
}

resource "aws_vpc_security_group_ingress_rule" "worker_postgres" {
  security_group_id = aws_security_group.worker.id
  description       = "PostgreSQL for the reporting tool"
  ip_protocol       = "tcp"
  from_port         = 5432
  to_port           = 5432
  cidr_ipv6         = "::/0"
}
