#[test]
#[ignore]
fn dbg_ws() {
    let p = std::env::var("DBG_PATH").unwrap();
    let o = stv2lint::check(&[p.into()], &Default::default());
    for a in &o.ws.apims {
        println!(
            "APIM {} sku={:?} alts={} mode={:?}",
            a.meta.label,
            a.sku.val,
            a.sku.alts.len(),
            a.vnet_type.val
        );
        for l in &a.locations {
            println!("  subnet={:?}", l.subnet.as_ref().map(|f| &f.val));
            if let Some(id) = l.subnet.as_ref().and_then(|f| f.get()) {
                match o.ws.subnet(id) {
                    Some(s) => println!(
                        "   -> {} deleg={:?} nsg={:?} rt={:?}",
                        s.meta.label,
                        s.delegations.val,
                        s.nsg.as_ref().map(|f| &f.val),
                        s.route_table.as_ref().map(|f| &f.val)
                    ),
                    None => println!("   -> not found"),
                }
            }
        }
    }
    for s in &o.ws.subnets {
        if s.meta.name.contains("apim") {
            println!(
                "SUBNET {:?} {} deleg={:?} rt={:?}",
                s.meta.key,
                s.meta.label,
                s.delegations.val,
                s.route_table.as_ref().map(|f| &f.val)
            );
        }
    }
}
