//! Print the linked workspace model of a path: a debugging aid for front-end work.
//! `cargo run --example dump_model -- PATH…`

use stv2lint::model::Workspace;

fn main() {
    let paths: Vec<std::path::PathBuf> = std::env::args().skip(1).map(Into::into).collect();
    let out = stv2lint::check(&paths, &Default::default());
    dump(&out.ws);
    for d in &out.diagnostics {
        if d.code == stv2lint::code::Code::Stv001 {
            if let Some(s) = d.span {
                let f = out.ws.sources.get(s.file);
                let (l, c) = f.line_col(s.start);
                println!("STV001 {}:{}:{} {}", f.display, l, c, d.message);
            }
        }
    }
}

fn dump(ws: &Workspace) {
    let f = |v: &dyn std::fmt::Debug| format!("{v:?}");
    for a in &ws.apims {
        println!(
            "APIM {} sku={:?} type={:?} api={:?}",
            a.meta.label,
            a.sku.val,
            a.vnet_type.val,
            a.api_version.as_ref().map(|x| &x.val)
        );
        for l in &a.locations {
            println!(
                "  loc {:?} cap={:?} zones={:?} subnet={:?} pip={:?}",
                l.location.val,
                l.capacity.val,
                l.zones.as_ref().map(|z| &z.val),
                l.subnet.as_ref().map(|s| &s.val),
                l.public_ip.as_ref().map(|s| &s.val)
            );
        }
    }
    for s in &ws.subnets {
        println!(
            "SUBNET {} key={:?} prefixes={:?} nsg={:?} rt={:?} se={:?} del={:?}",
            s.meta.label,
            s.meta.key.names,
            s.prefixes.val,
            s.nsg.as_ref().map(|x| &x.val),
            s.route_table.as_ref().map(|x| &x.val),
            s.service_endpoints.val,
            s.delegations.val
        );
    }
    for n in &ws.nsgs {
        println!(
            "NSG {} key={:?} rules={} unknown={:?}",
            n.meta.label,
            n.meta.key.names,
            n.rules.len(),
            n.rules_unknown
        );
        for r in &n.rules {
            println!(
                "  {} prio={:?} {:?} {:?} {:?} src={:?}:{:?} dst={:?}:{:?}",
                r.name,
                r.priority.val,
                r.direction.val,
                r.access.val,
                r.protocol.val,
                r.source_addresses.val,
                r.source_ports.val,
                r.destination_addresses.val,
                r.destination_ports.val
            );
        }
    }
    for t in &ws.route_tables {
        println!("RT {} routes={}", t.meta.label, t.routes.len());
        for r in &t.routes {
            println!("  {} {:?} -> {:?}", r.name, r.prefix.val, r.next_hop.val);
        }
    }
    for p in &ws.public_ips {
        println!(
            "PIP {} sku={:?} alloc={:?} dns={:?}",
            p.meta.label,
            p.sku.val,
            p.allocation.as_ref().map(|x| &x.val),
            p.dns_label.as_ref().map(|x| f(&x.val))
        );
    }
}
