# The broken-apim example in Terraform (azurerm v4): the same mistakes as
# examples/broken-apim/azuredeploy.json. Run: stv2lint check examples/broken-apim-terraform

terraform {
  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 4.0"
    }
  }
}

provider "azurerm" {
  features {}
}

variable "location" {
  type    = string
  default = "westeurope"
}

variable "apim_subnet_prefix" {
  type    = string
  default = "10.20.1.0/27"
}

variable "capacity" {
  type    = number
  default = 2
}

resource "azurerm_resource_group" "apim" {
  name     = "rg-apim"
  location = var.location
}

resource "azurerm_network_security_group" "apim" {
  name                = "nsg-apim"
  location            = var.location
  resource_group_name = azurerm_resource_group.apim.name

  security_rule {
    name                       = "DenyInternetInbound"
    priority                   = 200
    direction                  = "Inbound"
    access                     = "Deny"
    protocol                   = "*"
    source_address_prefix      = "Internet"
    source_port_range          = "*"
    destination_address_prefix = "*"
    destination_port_range     = "*"
  }

  security_rule {
    name                       = "AllowApimManagement"
    priority                   = 300
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_address_prefix      = "ApiManagement"
    source_port_range          = "*"
    destination_address_prefix = "VirtualNetwork"
    destination_port_range     = "3443"
  }

  security_rule {
    name                       = "AllowSql"
    priority                   = 210
    direction                  = "Outbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_address_prefix      = "VirtualNetwork"
    source_port_range          = "*"
    destination_address_prefix = "Sql"
    destination_port_range     = "1443"
  }
}

resource "azurerm_route_table" "apim" {
  name                = "rt-apim"
  location            = var.location
  resource_group_name = azurerm_resource_group.apim.name

  route {
    name                   = "to-firewall"
    address_prefix         = "0.0.0.0/0"
    next_hop_type          = "VirtualAppliance"
    next_hop_in_ip_address = "10.20.0.4"
  }
}

resource "azurerm_virtual_network" "apim" {
  name                = "vnet-apim"
  location            = var.location
  resource_group_name = azurerm_resource_group.apim.name
  address_space       = ["10.20.0.0/16"]
}

resource "azurerm_subnet" "apim" {
  name                 = "apim"
  resource_group_name  = azurerm_resource_group.apim.name
  virtual_network_name = azurerm_virtual_network.apim.name
  address_prefixes     = [var.apim_subnet_prefix]
}

resource "azurerm_subnet_network_security_group_association" "apim" {
  subnet_id                 = azurerm_subnet.apim.id
  network_security_group_id = azurerm_network_security_group.apim.id
}

resource "azurerm_subnet_route_table_association" "apim" {
  subnet_id      = azurerm_subnet.apim.id
  route_table_id = azurerm_route_table.apim.id
}

resource "azurerm_public_ip" "apim" {
  name                = "pip-apim"
  location            = var.location
  resource_group_name = azurerm_resource_group.apim.name
  sku                 = "Basic"
  allocation_method   = "Dynamic"
}

resource "azurerm_api_management" "apim" {
  name                 = "contoso-apim"
  location             = var.location
  resource_group_name  = azurerm_resource_group.apim.name
  publisher_name       = "Contoso"
  publisher_email      = "api@contoso.example"
  sku_name             = "Premium_${var.capacity}"
  zones                = ["1", "2", "3"]
  virtual_network_type = "External"
  public_ip_address_id = azurerm_public_ip.apim.id

  virtual_network_configuration {
    subnet_id = azurerm_subnet.apim.id
  }
}
