# IAM: ワーカー (EC2) と GitHub Actions のロール。ポリシー本文は infra/aws/iam/*.json。
# 方針: 最小権限。管理者権限 (Action "*" / Resource "*") は Terraform では作らない
# (管理者は IAM Identity Center の permission set で MFA 付きスイッチロール)。

data "aws_iam_policy_document" "worker_assume" {
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "worker" {
  name               = "acme-worker"
  assume_role_policy = data.aws_iam_policy_document.worker_assume.json
}

resource "aws_iam_role_policy" "worker_backup" {
  name   = "backup-writer"
  role   = aws_iam_role.worker.id
  policy = file("${path.module}/../aws/iam/backup-writer-policy.json")
}

resource "aws_iam_role_policy" "worker_cloudwatch" {
  name   = "cloudwatch-agent"
  role   = aws_iam_role.worker.id
  policy = file("${path.module}/../aws/iam/cloudwatch-agent-policy.json")
}

resource "aws_iam_role_policy_attachment" "worker_ssm" {
  role       = aws_iam_role.worker.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

resource "aws_iam_role" "github_deploy" {
  name               = "acme-github-deploy"
  assume_role_policy = file("${path.module}/../aws/iam/github-actions-trust-policy.json")
}

resource "aws_iam_role_policy" "github_deploy_backups" {
  name = "read-backup-status"
  role = aws_iam_role.github_deploy.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "ListBackups"
        Effect   = "Allow"
        Action   = ["s3:ListBucket"]
        Resource = "arn:aws:s3:::acme-db-backups"
      },
    ]
  })
}
