terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 5.0" }
  }
}
provider "aws" {
  region = "us-east-1"
  skip_credentials_validation = true
  skip_requesting_account_id = true
  skip_metadata_api_check = true
  skip_region_validation = true
}
variable "cidr" {
  type = string
  default = "10.0.0.0/16"
}
variable "unset" {
  type = string
}
locals { name = "x-${var.cidr}" }
resource "aws_vpc" "v" {
  cidr_block = var.cidr
  tags = { Name = local.name, Other = var.unset }
}
resource "aws_subnet" "s" {
  count = 2
  vpc_id = aws_vpc.v.id
  cidr_block = cidrsubnet(aws_vpc.v.cidr_block, 8, count.index)
}
resource "aws_security_group" "g" {
  for_each = { a = 1 }
  vpc_id = aws_subnet.s[0].vpc_id
  ingress {
    from_port = 443
    to_port = 443
    protocol = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
  dynamic "egress" {
    for_each = [1]
    content {
      from_port = 0
      to_port = 0
      protocol = "-1"
      cidr_blocks = [aws_vpc.v.cidr_block]
    }
  }
}
module "m" {
  source = "./mod"
  vpc = aws_vpc.v.id
  n = 3
}
data "aws_vpc" "d" {
  count = 0
  id = "vpc-123"
}
output "o" { value = module.m.sid }
