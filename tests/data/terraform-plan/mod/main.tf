variable "vpc" {}
variable "n" {}
resource "aws_subnet" "m" {
  vpc_id = var.vpc
  cidr_block = "10.0.9.0/24"
}
output "sid" { value = aws_subnet.m.id }
