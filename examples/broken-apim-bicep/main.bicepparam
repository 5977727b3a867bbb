using 'main.bicep'

param apimSubnetPrefix = '10.20.1.0/29'
