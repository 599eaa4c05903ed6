// Launch Debian 12's JMeter 2.13 (package jmeter 2.13-5) in non-GUI mode.
//
// As packaged, that JMeter cannot load any test plan: it runs on Debian's
// XStream 1.4.20, whose default security framework rejects JMeter's own
// classes ("ForbiddenClassException: org.apache.jmeter.save.ScriptWrapper").
// This launcher loads JMeter's properties, lets JMeter's two XStream instances
// (SaveService.JMXSAVER for .jmx files, JTLSAVER for XML results) accept every
// type - the test plan is our own file - and then runs JMeter with the
// command-line arguments unchanged (JMeter.start, as NewDriver would).
import java.lang.reflect.Field;

public class Lab2JMeter {
    public static void main(String[] args) throws Exception {
        String home = System.getProperty("jmeter.home", "/usr/share/jmeter");
        System.setProperty("jmeter.home", home);
        org.apache.jmeter.util.JMeterUtils.loadJMeterProperties(home + "/bin/jmeter.properties");
        org.apache.jmeter.util.JMeterUtils.setJMeterHome(home);
        for (String name : new String[] {"JMXSAVER", "JTLSAVER"}) {
            Field f = org.apache.jmeter.save.SaveService.class.getDeclaredField(name);
            f.setAccessible(true);
            com.thoughtworks.xstream.XStream x = (com.thoughtworks.xstream.XStream) f.get(null);
            x.addPermission(com.thoughtworks.xstream.security.AnyTypePermission.ANY);
        }
        new org.apache.jmeter.JMeter().start(args);
    }
}
