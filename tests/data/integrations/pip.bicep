// A Basic public IP (STV301): inputs of tests/suppressions.rs.
param pipSku string = 'Basic'

resource nsg 'Microsoft.Network/networkSecurityGroups@2024-05-01' = {
  name: 'nsg-apim'
  location: 'westeurope'
  properties: {
    securityRules: [
      {
        name: 'AllowApiManagement'
        properties: { priority: 100, direction: 'Inbound', access: 'Allow', protocol: 'Tcp', sourceAddressPrefix: 'ApiManagement', sourcePortRange: '*', destinationAddressPrefix: 'VirtualNetwork', destinationPortRange: '3443' }
      }
      {
        name: 'AllowClientsHttps'
        properties: { priority: 110, direction: 'Inbound', access: 'Allow', protocol: 'Tcp', sourceAddressPrefix: 'Internet', sourcePortRange: '*', destinationAddressPrefix: 'VirtualNetwork', destinationPortRange: '443' }
      }
    ]
  }
}

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: 'vnet-apim'
  location: 'westeurope'
  properties: {
    addressSpace: { addressPrefixes: ['10.0.0.0/16'] }
    subnets: [
      {
        name: 'apim'
        properties: {
          addressPrefix: '10.0.1.0/27'
          serviceEndpoints: [{ service: 'Microsoft.Storage' }, { service: 'Microsoft.Sql' }, { service: 'Microsoft.KeyVault' }]
          networkSecurityGroup: { id: nsg.id }
        }
      }
    ]
  }
}

//PIP_COMMENT
resource pip 'Microsoft.Network/publicIPAddresses@2024-05-01' = {
  name: 'pip-apim'
  location: 'westeurope'
  sku: { name: pipSku }
  properties: {
    publicIPAllocationMethod: 'Static'
    dnsSettings: { domainNameLabel: 'contoso-apim-${uniqueString(resourceGroup().id)}' }
  }
}

resource apim 'Microsoft.ApiManagement/service@2024-05-01' = {
  name: 'contoso-apim'
  location: 'westeurope'
  sku: { name: 'Premium', capacity: 1 }
  properties: {
    publisherEmail: 'api@contoso.com'
    publisherName: 'Contoso'
    virtualNetworkType: 'External'
    publicIpAddressId: pip.id
    virtualNetworkConfiguration: { subnetResourceId: vnet.properties.subnets[0].id }
  }
}
