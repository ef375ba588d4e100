"""The IAM and security-group probes over JSON and Terraform."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive.rules import iac

from ._helpers import write


def test_sound_on_good(good_repo: Path) -> None:
    iam = iac.iam_policy_scan(good_repo)
    assert iam.findings == [] and "infra/terraform/iam.tf" in iam.files
    assert "infra/aws/iam/backup-writer-policy.json" in iam.files
    groups = iac.security_group_scan(good_repo)
    assert groups.findings == [] and groups.files == ["infra/terraform/network.tf"]


def test_defects_found_on_broken(broken_repo: Path) -> None:
    iam = [str(f) for f in iac.iam_policy_scan(broken_repo).findings]
    assert iam == [
        'infra/aws/iam/ops-admin-policy.json:4: statement OpsFullAccess allows Action "*" on '
        'Resource "*" (full administrator access)',
        'infra/terraform/iam.tf:49: statement DeployEverything allows Action "*" on Resource "*"'
        ' (full administrator access)',
    ]
    groups = [str(f) for f in iac.security_group_scan(broken_repo).findings]
    assert groups == [
        "infra/terraform/network.tf:21: aws_security_group.worker: ingress opens port 22 (SSH) "
        "to 0.0.0.0/0",
        "infra/terraform/network.tf:81: aws_vpc_security_group_ingress_rule.worker_postgres: "
        "ingress opens port 5432 (PostgreSQL) to ::/0",
    ]


def test_nothing_to_judge(tmp_path: Path) -> None:
    write(tmp_path, "package.json", '{"name": "x"}')
    write(tmp_path, "main.tf", 'resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n')
    assert iac.iam_policy_scan(tmp_path).files == []
    assert iac.security_group_scan(tmp_path).files == []


def test_unparsable_policy_is_a_finding(tmp_path: Path) -> None:
    write(tmp_path, "policy.json", '{"Statement": [\n  {"Effect": "Allow",}\n]}')
    scan = iac.iam_policy_scan(tmp_path)
    assert scan.files == ["policy.json"]
    assert [(f.file, f.line) for f in scan.findings] == [("policy.json", 2)]


@pytest.mark.parametrize(("statement", "flagged"), [
    ('{"Effect": "Allow", "Action": "*", "Resource": "*"}', True),
    ('{"Effect": "Allow", "Action": ["s3:*", "*"], "Resource": ["*"]}', True),
    ('{"Effect": "Deny", "Action": "*", "Resource": "*"}', False),
    ('{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}', False),
    ('{"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b/*"}', False),
])
def test_json_statements(tmp_path: Path, statement: str, flagged: bool) -> None:
    write(tmp_path, "p.json", f'{{"Version": "2012-10-17", "Statement": [{statement}]}}')
    assert bool(iac.iam_policy_scan(tmp_path).findings) is flagged


def test_cloudformation_json(tmp_path: Path) -> None:
    write(tmp_path, "stack.json", """{
  "Resources": {
    "Admin": {"Type": "AWS::IAM::Policy", "Properties": {"PolicyDocument": {
      "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}}},
    "Sg": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"SecurityGroupIngress": [
      {"IpProtocol": "tcp", "FromPort": 3300, "ToPort": 3400, "CidrIp": "0.0.0.0/0"}]}},
    "Rule": {"Type": "AWS::EC2::SecurityGroupIngress", "Properties": {
      "IpProtocol": "-1", "CidrIpv6": "::/0"}}
  }
}""")
    assert len(iac.iam_policy_scan(tmp_path).findings) == 1
    messages = [f.message for f in iac.security_group_scan(tmp_path).findings]
    assert "ingress opens port 3306 (MySQL) to 0.0.0.0/0" in messages[0]
    assert "ingress opens port 3389 (RDP)" in messages[1]
    assert len(messages) == 2 + len(iac.ADMIN_PORTS)  # all traffic opens every admin port


def test_ec2_api_json(tmp_path: Path) -> None:
    write(tmp_path, "sg.json", """{"SecurityGroups": [{"GroupName": "db",
  "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
    "IpRanges": [{"CidrIp": "10.0.0.0/8"}], "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}],
  "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}]}""")
    (finding,) = iac.security_group_scan(tmp_path).findings
    assert finding.message == "db: ingress opens port 5432 (PostgreSQL) to ::/0"


TERRAFORM = '''
variable "admin_cidr" {
  default = "0.0.0.0/0"
}

# resource "aws_security_group" "commented" { ingress { from_port = 22 } }

resource "aws_security_group" "bastion" {
  name = "bastion-${var.env}"
  ingress {
    from_port   = 20
    to_port     = 25
    protocol    = "tcp"
    cidr_blocks = [var.admin_cidr] // resolved from the default
  }
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [data.x.cidr]  /* not a literal: not judged */
  }
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_security_group_rule" "rdp" {
  type        = "ingress"
  from_port   = 3389
  to_port     = 3389
  protocol    = "tcp"
  cidr_blocks = ["10.0.0.0/8", "0.0.0.0/0"]
  security_group_id = aws_security_group.bastion.id
}

resource "aws_security_group_rule" "egress_ok" {
  type        = "egress"
  from_port   = 22
  to_port     = 22
  protocol    = "tcp"
  cidr_blocks = ["0.0.0.0/0"]
  security_group_id = aws_security_group.bastion.id
}

data "aws_iam_policy_document" "admin" {
  statement {
    actions   = ["*"]
    resources = ["*"]
  }
  statement {
    effect    = "Deny"
    actions   = ["*"]
    resources = ["*"]
  }
}

resource "aws_iam_policy" "heredoc" {
  policy = <<EOF
{"Statement": [{"Sid": "All", "Effect": "Allow", "Action": "*", "Resource": "*"}]}
EOF
}
'''


def test_terraform(tmp_path: Path) -> None:
    write(tmp_path, "infra/main.tf", TERRAFORM)
    groups = [(f.line, f.message) for f in iac.security_group_scan(tmp_path).findings]
    assert groups == [
        (10, "aws_security_group.bastion: ingress opens port 22 (SSH) to 0.0.0.0/0"),
        (30, "aws_security_group_rule.rdp: ingress opens port 3389 (RDP) to 0.0.0.0/0"),
    ]
    iam = [(f.line, f.message) for f in iac.iam_policy_scan(tmp_path).findings]
    assert iam == [
        (49, 'a statement allows Action "*" on Resource "*" (full administrator access)'),
        (62, 'statement All allows Action "*" on Resource "*" (full administrator access)'),
    ]
